"""A tiny run of the benchmark (``python -m bench --smoke``), so it does not rot.

It checks that every figure of the table is produced, never how fast anything is: benchmarks do
not fail the test suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import FIGURE_NAMES

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_bench_smoke_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INTERVIEWER_", "GROQ_")) and k != "PYTHONPATH"
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--no-profile", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,  # a smoke, not a measurement: a loaded machine may take minutes
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert out.exists(), completed.stderr
    text = out.read_text(encoding="utf-8")

    header = "| figure | ours | baseline | ratio | target | met? |"
    assert header in text
    assert header in completed.stdout  # the table is printed too
    table = text[text.index(header) :].split("\n\n", 1)[0].splitlines()[2:]
    names = [row.split("|")[1].strip() for row in table]
    for figure in FIGURE_NAMES:
        assert any(name.startswith(figure) for name in names), (figure, names)
    for row in table:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        assert len(cells) == 6, row
        assert cells[1] not in ("", "—"), f"no value for ours in {row!r}"
    assert "## Machine" in text and "uname -a" in text
    assert "python -m bench --smoke" in text
