"""What a run measured, and the statistics derived from it.

One record per phase and side (:class:`ZeroLatency`, :class:`Storage`, :class:`Memory`,
:class:`Latency`, capacity :class:`Step` and :class:`Capacity`, :class:`PostgresRun`) gathered in
:class:`Measurements`, which the command line pickles and the report renders. Percentiles are
nearest-rank everywhere (:func:`percentile`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.driver import RunResult
from bench.options import Options
from bench.profile import Summary

OVERHEAD_P99_MAX_MS = 100.0
"""A step passes with overhead p99 at most this, and zero errors."""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class ZeroLatency:
    """Phase 1 on one side: whole interviews against a zero-latency LLM."""

    side: str
    result: RunResult
    cpu_s: float
    requests: int
    prompt_tokens: int
    completion_tokens: int
    server_errors: int

    @property
    def turns(self) -> int:
        return len(self.result.turns)

    @property
    def chat_turns(self) -> int:
        return self.result.chat_turns

    @property
    def cpu_ms_per_turn(self) -> float:
        return 1000 * self.cpu_s / self.turns if self.turns else float("nan")

    @property
    def turns_per_cpu_s(self) -> float:
        return self.turns / self.cpu_s if self.cpu_s > 0 else float("inf")

    @property
    def prompt_tokens_per_chat_turn(self) -> float:
        return self.prompt_tokens / self.chat_turns if self.chat_turns else float("nan")

    @property
    def requests_per_chat_turn(self) -> float:
        return self.requests / self.chat_turns if self.chat_turns else float("nan")

    @property
    def chat_turns_per_interview(self) -> float:
        finished = [i for i in self.result.interviews if i.finished]
        return sum(i.chat_turns for i in finished) / len(finished) if finished else float("nan")


@dataclass
class Storage:
    """Our SQLite file after the zero-latency interviews (server stopped, WAL checkpointed)."""

    file_bytes: int
    finished: int
    page_size: int
    page_count: int
    freelist_count: int
    checkpoint_rows: int
    checkpoint_bytes: int
    write_rows: int
    write_bytes: int
    session_rows: int
    session_bytes: int
    threads: int
    transcript_chars: float
    largest_checkpoint: dict[str, int] = field(default_factory=dict)
    """Bytes of the largest checkpoint blob, by part (msgpack, re-packed part by part)."""
    largest_messages: int = 0

    @property
    def bytes_per_interview(self) -> float:
        return self.file_bytes / self.finished if self.finished else float("nan")


@dataclass
class Memory:
    """RSS of a fresh, warmed-up server through two rounds of idle sessions.

    Round 1 (the first N sessions after start-up) also fills bounded caches, SQLite's page
    cache above all (2 MB per connection); round 2 (the next N) is the steady state, and the
    figure of the table.
    """

    side: str
    sessions: int
    rss_before: int
    first_created: int
    first_started: int
    rss_created: int
    rss_started: int
    started_ok: int

    def growth_per_1000(self, before: int, after: int) -> float:
        """Bytes of RSS growth per 1,000 sessions, from ``before`` to ``after``."""
        return (after - before) * 1000 / self.sessions if self.sessions else 0.0

    @property
    def created_growth(self) -> float:
        """Steady state: round 2's sessions created, per 1,000."""
        return self.growth_per_1000(self.first_started, self.rss_created)

    @property
    def started_growth(self) -> float:
        """Steady state: round 2's sessions created and started, per 1,000."""
        return self.growth_per_1000(self.first_started, self.rss_started)


@dataclass
class Latency:
    """Phase 3 on one side: N candidates at once against the slow LLM."""

    side: str
    n: int
    result: RunResult
    ttft_s: float
    server_cpu_s: float
    stub_cpu_s: float
    driver_cpu_s: float
    server_errors: int
    deadline_s: float | None
    error_kinds: dict[str, int] = field(default_factory=dict)
    """Exceptions in the server's log during the run."""

    def overheads_ms(self) -> list[float]:
        """TTFB less the LLM's first-token time, per turn (censored turns at their wait)."""
        return [(t.ttfb - self.ttft_s) * 1000 for t in self.result.turns if t.ttfb is not None]

    @property
    def censored(self) -> int:
        return sum(1 for t in self.result.turns if t.censored)

    @property
    def errors(self) -> int:
        return self.result.errors + self.server_errors


@dataclass
class Profiles:
    """py-spy summaries of our server, or why there are none."""

    zero: Summary | None = None
    stream: Summary | None = None
    stream_n: int = 0
    files: list[Path] = field(default_factory=list)
    skipped: str = ""


@dataclass
class Step:
    """N candidates against one configuration for one window."""

    label: str
    workers: int
    n: int
    result: RunResult
    ttft_s: float
    window_s: float
    server_cpu_s: float
    stub_cpu_s: float
    driver_cpu_s: float
    server_errors: int
    error_kinds: dict[str, int] = field(default_factory=dict)

    def overheads_ms(self) -> list[float]:
        """TTFB less the LLM's first-token time, per turn (censored turns at their wait)."""
        return [(t.ttfb - self.ttft_s) * 1000 for t in self.result.turns if t.ttfb is not None]

    @property
    def p50_ms(self) -> float:
        return percentile(self.overheads_ms(), 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.overheads_ms(), 99)

    @property
    def errors(self) -> int:
        return self.result.errors + self.server_errors

    @property
    def turns(self) -> int:
        """Turns that got their first byte (finished or still streaming at the window's end)."""
        return sum(1 for t in self.result.turns if t.ttfb is not None and t.error is None)

    @property
    def turns_per_s(self) -> float:
        wall = self.result.wall_seconds
        return self.turns / wall if wall > 0 else float("nan")

    @property
    def cpu_ms_per_turn(self) -> float:
        return 1000 * self.server_cpu_s / self.turns if self.turns else float("nan")

    def stub_overhead_ms(self, p: float) -> float:
        """The stand-in's own first-token time beyond the configured one, measured directly."""
        return percentile([(t - self.ttft_s) * 1000 for t in self.result.llm_probe], p)

    def loop_lag_ms(self, p: float) -> float:
        return percentile([lag * 1000 for lag in self.result.loop_lag], p)

    @property
    def passed(self) -> bool:
        p99 = self.p99_ms
        return self.errors == 0 and not math.isnan(p99) and p99 <= OVERHEAD_P99_MAX_MS


@dataclass
class Capacity:
    """The steps of one configuration's search."""

    label: str
    workers: int
    steps: list[Step] = field(default_factory=list)

    @property
    def best(self) -> Step | None:
        passed = [s for s in self.steps if s.passed]
        return max(passed, key=lambda s: s.n) if passed else None

    @property
    def lowest_miss(self) -> Step | None:
        missed = [s for s in self.steps if not s.passed]
        return min(missed, key=lambda s: s.n) if missed else None


@dataclass
class PostgresRun:
    """Issue 8: N interviews over two replicas on one PostgreSQL database."""

    step: Step
    replicas: int
    finished: int
    table_bytes: int
    commits: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    db_cpu_s: float
    """CPU of the PostgreSQL backends serving the replicas' connections."""

    @property
    def bytes_per_interview(self) -> float:
        return self.table_bytes / self.finished if self.finished else float("nan")

    def per_turn(self, value: float) -> float:
        return value / self.step.turns if self.step.turns else float("nan")


@dataclass
class Measurements:
    """Everything the report needs."""

    options: Options
    started_at: datetime
    baseline_turns: int = 0
    zero: dict[str, ZeroLatency] = field(default_factory=dict)
    storage: Storage | None = None
    memory: dict[str, Memory] = field(default_factory=dict)
    latency: dict[tuple[str, int], Latency] = field(default_factory=dict)
    profiles: Profiles = field(default_factory=Profiles)
    commit: str = ""
    """The measured tree: commit, and tracked files changed on top of it."""
    llm_ttft_probe_s: list[float] = field(default_factory=list)
    """The stub's first-token time as a bare httpx client sees it (unloaded), seconds."""
    wall_s: float = 0.0
    throughput: dict[int, Step] = field(default_factory=dict)
    """Candidates answering instantly, per worker count."""
    capacity: dict[int, Capacity] = field(default_factory=dict)
    postgres: PostgresRun | None = None
    postgres_skipped: str = ""
    loadavg: tuple[str, str] = ("", "")
    """/proc/loadavg's first three fields at the start and at the end of the run."""
