"""The prompt engineers' workbench: `python -m graph.prompts render KIND ...`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.workbench import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "skills": ["python", "terraform"],
                "technical_questions": 2,
                "behavioral_questions": 0,
                "job_position": "Platform Engineer",
                "custom_questions": ["Why us?"],
            }
        ),
        encoding="utf-8",
    )
    return path


def test_render_runs_as_a_module_and_prints_the_messages_as_sent(settings_file: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph.prompts",
            "render",
            "technical",
            "--settings",
            str(settings_file),
            "--number",
            "2",
            "--answer",
            "I'd add an index.",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("=== system ===\nYou are Mia")
    assert "=== human ===\nTask: ask technical question 2 of 2" in out
    assert "<skill>terraform</skill>" in out  # question 2 takes the second skill
    assert "<candidate_answer>I'd add an index.</candidate_answer>" in out


def test_welcome_renders_the_plan_from_the_settings(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", "welcome", "--settings", str(settings_file)]) == 0
    out = capsys.readouterr().out
    assert "2 technical (on python, terraform), 1 from the hiring team" in out
    assert "behavioral" not in out.split("<plan>")[1].split("</plan>")[0]


def test_override_file_is_rendered_in_place_of_the_prompt(
    tmp_path: Path, settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("Ask one question on {skill}. They said: {last_answer}", encoding="utf-8")
    args = ["render", "technical", "--settings", str(settings_file), "--answer", "hi"]
    assert main([*args, "--override", str(draft), "--reply"]) == 0
    out = capsys.readouterr().out
    assert "=== human ===\nAsk one question on python. They said: hi" in out
    assert "=== offline reply ===" in out


def test_a_draft_with_an_unknown_placeholder_fails_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "bad.md"
    draft.write_text("Ask about {skil}", encoding="utf-8")
    assert main(["render", "technical", "--override", str(draft)]) == 2
    assert "unknown placeholder(s) ['skil']" in capsys.readouterr().err


def test_the_judge_prompt_and_the_list_render(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "follow_up_decision", "--answer", "Poetry with lock files."]) == 0
    assert "<candidate_answer>Poetry with lock files.</candidate_answer>" in capsys.readouterr().out
    assert main(["list"]) == 0
    assert "follow_up_decision" in capsys.readouterr().out
