"""Changing a prompt, as docs/CHANGING.md ("Change a prompt") says, on a copy of prompts/.

Each test is one step of the guide for its example, one more instruction in
`prompts/technical.md`: find the file and its placeholders (`python -m graph.prompts list`),
edit it, render it as a turn would send it, see it in the next turn of a running interview
without a restart, make the snapshot test show it as a diff, and get a loud error naming the
file for a mistyped placeholder or a lone brace. (A per-run override in Studio, the guide's
other way to try a draft, is tests/graph/test_prompt_overrides.py.)
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field

from devkit.graph_driver import answer, start
from graph import prompts, workbench
from graph.context import Context
from graph.graph import build_graph
from graph.prompts import PromptError
from graph.state import InterviewSettings

REPO = Path(__file__).resolve().parents[2]
INSTRUCTION = "Ask for one example from their own work, not a definition."
"""The guide's example edit: one more line in prompts/technical.md."""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of prompts/, read instead of it (as INTERVIEWER_PROMPTS_DIR makes the service)."""
    copy = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", copy)
    monkeypatch.setattr(prompts, "PROMPTS_DIR", copy)
    return copy


def _edit(folder: Path, text: str) -> None:
    path = folder / "technical.md"
    mtime = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime + 1_000_000, mtime + 1_000_000))  # a new mtime, however fast


def _with_instruction(folder: Path) -> str:
    original = (folder / "technical.md").read_text(encoding="utf-8")
    return original.replace("\n\n", f"\n\n{INSTRUCTION}\n\n", 1)


class PromptRecorder(GenericFakeChatModel):
    """Replies from a script; keeps the text of every prompt it is sent."""

    sent: list[str] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.sent.append("\n\n".join(str(m.content) for m in messages))
        return super()._generate(messages, *args, **kwargs)


def _replies() -> Iterator[AIMessage]:
    for n in itertools.count(1):
        yield AIMessage(content=f"Thank you.\n\nWhat is question {n}?")


def test_step_1_list_shows_where_the_files_are_and_the_placeholders_of_each(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert workbench.main(["list"]) == 0
    out = capsys.readouterr().out
    assert f"prompts directory: {folder}" in out
    technical = next(line for line in out.splitlines() if line.strip().startswith("technical "))
    assert "skill" in technical and "last_answer" in technical


def test_step_2_the_edit_renders_as_a_turn_would_send_it(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(folder, _with_instruction(folder))
    settings = tmp_path / "settings.json"
    settings.write_text('{"skills": ["python"], "technical_questions": 2}', encoding="utf-8")
    render = ["render", "technical", "--settings", str(settings), "--number", "2"]
    code = workbench.main([*render, "--answer", "An index."])
    assert code == 0
    out = capsys.readouterr().out
    assert INSTRUCTION in out and "python" in out


async def test_step_3_a_running_interview_sends_the_edit_at_its_next_turn(folder: Path) -> None:
    model = PromptRecorder(messages=_replies())
    context = Context(model=model)
    graph = build_graph(checkpointer=InMemorySaver())
    settings = InterviewSettings(
        candidate_name="Ana", behavioral_questions=0, technical_questions=1, skills=["python"]
    )
    await start(graph, "p", settings, context)  # the welcome, with the personal question
    assert not any(INSTRUCTION in sent for sent in model.sent)

    _edit(folder, _with_instruction(folder))  # while the interview waits for the candidate
    await answer(graph, "p", "I like building reliable services for real users.", context)
    assert INSTRUCTION in model.sent[-1] and "Task: ask technical question 1" in model.sent[-1]


def test_step_4_the_snapshot_test_shows_the_change_until_it_is_accepted(folder: Path) -> None:
    _edit(folder, _with_instruction(folder))
    env = {**os.environ, "INTERVIEWER_PROMPTS_DIR": str(folder)}
    env.pop("UPDATE_SNAPSHOTS", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/unit/test_prompts.py::test_rendered_prompt_matches_its_snapshot[technical]",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "prompts/technical.md renders differently" in run.stdout
    assert INSTRUCTION in run.stdout  # the diff shows the new line


@pytest.mark.parametrize(
    ("mistake", "said"),
    [
        ("Ask about {skil}.", "unknown placeholder(s) ['skil']"),
        ("Ask about {skill} in a {set} of ways.", "unknown placeholder(s) ['set']"),
        ('Return JSON like {"a": 1}.', "unknown placeholder"),
        ("Ask about {skill} with a lone { brace.", "write a literal brace as {{ or }}"),
        ("Ask about {skill} with a lone } brace.", "write a literal brace as {{ or }}"),
    ],
)
def test_step_5_a_mistake_fails_loudly_naming_the_file(
    folder: Path, mistake: str, said: str
) -> None:
    _edit(folder, mistake)
    with pytest.raises(PromptError) as failed:
        prompts.load_prompt("technical")
    assert "technical.md" in str(failed.value) and said in str(failed.value)


def test_literal_braces_are_doubled(folder: Path) -> None:
    _edit(folder, 'Ask about {skill}; reply like {{"question": "..."}}.')
    text = prompts.render_prompt("technical", {"skill": "python"})
    assert text == 'Ask about python; reply like {"question": "..."}.'
