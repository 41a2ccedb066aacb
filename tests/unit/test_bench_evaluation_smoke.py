"""A tiny run of the evaluation benchmark (``python -m bench.evaluation``), so it does not rot.

It checks that every figure is printed with a value, never how fast anything is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_evaluation_bench_prints_tokens_per_interview_and_closing_ttfb(tmp_path: Path) -> None:
    out = tmp_path / "evaluation.md"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INTERVIEWER_", "GROQ_")) and k != "PYTHONPATH"
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.evaluation",
            "--interviews",
            "1",
            "--concurrent",
            "2",
            "--out",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    table = out.read_text(encoding="utf-8")
    assert table in completed.stdout + "\n"
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| figure") and "---" not in line
    }
    assert float(rows["Groq evaluation calls per interview"]) == 9.0
    assert int(rows["prompt tokens per interview"]) > 0
    assert int(rows["completion tokens per interview"]) > 0
    assert any(name.startswith("closing TTFB") and "evaluation on" in name for name in rows)
    assert any(name.startswith("closing TTFB") and "evaluation off" in name for name in rows)
