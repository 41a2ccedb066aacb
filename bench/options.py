"""What one ``python -m bench`` invocation measures: the interview every simulated candidate
runs and the run's options (parsed from the command line by :mod:`bench.cli`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTERVIEW_SETTINGS: dict[str, Any] = {
    "candidate_name": "Ana Lopez",
    "job_position": "Backend Engineer",
    "job_description": (
        "Design, build and operate the Python services behind our hiring platform: HTTP APIs, "
        "background workers and the PostgreSQL databases they use."
    ),
    "skills": ["python", "sql", "distributed systems"],
    "behavioral_questions": 2,
    "technical_questions": 3,
    "custom_questions": ["Why do you want to work with us?"],
}
"""The interview every candidate runs: 2 behavioral, 3 technical, 1 custom question."""


@dataclass
class Options:
    """What one invocation measures (see ``--help``)."""

    interviews: list[int]
    ttft_ms: float
    token_delay_ms: float
    reply_words: int
    think_s: tuple[float, float]
    ramp_s: float
    cpu_interviews: int
    cpu_concurrency: int
    idle_sessions: int
    baseline_deadline_s: float
    ours_deadline_s: float
    healthz_interval_s: float
    profile: bool
    smoke: bool
    out: Path
    command: str
    keep_work: Path | None = None
    render_only: bool = False
    workers: list[int] = field(default_factory=lambda: [1, 2])
    """Worker-process counts of the capacity and throughput runs (1 and one per core)."""
    capacity_start: dict[int, int] = field(default_factory=dict)
    """The first N of each worker count's capacity search (default: from its throughput)."""
    capacity_steps: int = 3
    capacity_think_s: tuple[float, float] = (5.0, 15.0)
    capacity_ramp_s: float = 20.0
    capacity_window_s: float = 45.0
    throughput_candidates: int = 150
    throughput_window_s: float = 20.0
    step_pause_s: float = 3.0
    pg_interviews: int = 200
    """Interviews of the two-replicas-on-PostgreSQL run (0: not run)."""
