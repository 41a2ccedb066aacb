"""A tiny run of the evaluation benchmark (``python -m bench.evaluation``), so it does not rot.

It checks that every figure is printed with a value, never how fast anything is.
"""

from __future__ import annotations

import pytest

from graph.evaluation.judge import JUDGE_RUNS
from tests.support.background import Job

BACKGROUND_JOB = Job(
    "evaluation-smoke",
    [
        *("-m", "bench.evaluation", "--interviews", "1", "--concurrent", "2"),
        *("--out", "{work}/evaluation.md"),
    ],
    timeout=170,
)
"""Launched when the session starts (tests/support/background.py)."""


@pytest.mark.timeout(180)
def test_evaluation_bench_prints_tokens_per_interview_and_closing_ttfb() -> None:
    completed = BACKGROUND_JOB.result()
    assert BACKGROUND_JOB.work is not None
    out = BACKGROUND_JOB.work / "evaluation.md"
    assert completed.returncode == 0, completed.stdout + completed.stderr
    table = out.read_text(encoding="utf-8")
    assert table in completed.stdout + "\n"
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| figure") and "---" not in line
    }
    # Each answered question (of nine; a non-answer costs none) judged JUDGE_RUNS times.
    calls = float(rows["Groq evaluation calls per interview"])
    assert calls % JUDGE_RUNS == 0 and 6 * JUDGE_RUNS <= calls <= 9 * JUDGE_RUNS
    added = f"added by {JUDGE_RUNS} judge runs per question instead of 1, per interview"
    assert rows[added].startswith("$") and float(rows[added][1:]) > 0
    assert int(rows["prompt tokens per interview"]) > 0
    assert int(rows["completion tokens per interview"]) > 0
    assert any(name.startswith("closing TTFB") and "evaluation on" in name for name in rows)
    assert any(name.startswith("closing TTFB") and "evaluation off" in name for name in rows)
