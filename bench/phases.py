"""``python -m bench``: whole interviews over HTTP against our server and the seed's design.

One invocation measures both sides against the same Groq-protocol stub and prints every figure
side by side (see :mod:`bench.report` for the definitions):

1. **zero-latency LLM** (stub ttft 0, no token delay): K whole interviews on each side, a few at
   a time. Server CPU per turn, LLM requests and prompt tokens per candidate turn, and how many
   candidate turns an interview takes (the baseline is then told to close after that many).
   Our server is then stopped and its SQLite file measured (bytes per finished interview).
2. **idle sessions**: a fresh server of each side; RSS before and after creating 1,000 sessions,
   and after starting them (greeted, waiting for the candidate).
3. **latency** (stub at ``--ttft-ms`` / ``--token-delay-ms``): for each N of ``--interviews``, a
   fresh server of each side and N candidates at once, with a ``/healthz`` poller. The baseline
   runs under a deadline: it serialises turns behind its blocking LLM calls, and a whole run would
   take many minutes; turns still waiting at the deadline count at their wait so far.
4. **profile** (when py-spy is installed): py-spy attached to a fresh server of ours during a
   zero-latency run and during a latency run, summarised in the results file.

Every server is a subprocess on 127.0.0.1 (CPU from ``/proc/<pid>/stat``, RSS from
``/proc/<pid>/status``); everything stays on loopback and every loop is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import judge_cost, report
from bench.capacity import (
    Capacity,
    PostgresRun,
    Step,
    postgres_available,
    postgres_replicas,
    workers_run,
)
from bench.driver import (
    Plan,
    RunResult,
    create_sessions,
    probe_llm_ttft,
    run_async,
    run_load,
    start_sessions,
)
from bench.procs import Server
from bench.profile import Recorder, Summary, find_py_spy, summarise
from devkit.processes import clean_env, free_port

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "bench" / "results.md"

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


# --- servers -----------------------------------------------------------------------------------


class Bench:
    """The stub, and factories for fresh servers of either side, in one work directory."""

    def __init__(self, options: Options, work: Path) -> None:
        self.options = options
        self.work = work
        port = free_port()
        self.stub = Server(
            "groq-stub",
            [
                "-m",
                "devkit.groq_server",
                "--port",
                str(port),
                "--reply-words",
                str(options.reply_words),
            ],
            port,
            env=clean_env({}),
            log_path=work / "stub.log",
            probe_path="/_control/stats",
        )
        self._http = httpx.Client(timeout=30.0)
        self._count = 0
        self.baseline_turns = 13
        """Candidate messages after which the baseline closes (set from our zero-latency run)."""

    # stub control

    def stub_config(self, ttft_ms: float, token_delay_ms: float) -> None:
        response = self._http.post(
            self.stub.base_url + "/_control/config",
            json={"ttft": ttft_ms / 1000, "token_delay": token_delay_ms / 1000},
        )
        response.raise_for_status()

    def stub_reset(self) -> None:
        self._http.post(self.stub.base_url + "/_control/reset").raise_for_status()

    def stub_stats(self) -> dict[str, Any]:
        response = self._http.get(self.stub.base_url + "/_control/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    # servers

    def _dir(self, name: str) -> Path:
        self._count += 1
        path = self.work / f"{self._count:02d}-{name}"
        path.mkdir(parents=True)
        return path

    def ours(self, name: str, *, workers: int = 1, database_url: str | None = None) -> Server:
        """A fresh ``python -m api`` with its own database (or ``database_url``), against the
        stub, with ``workers`` worker processes."""
        root = self._dir(name)
        port = free_port()
        env = clean_env(
            {
                **({"INTERVIEWER_DATABASE_URL": database_url} if database_url else {}),
                "INTERVIEWER_WORKERS": str(workers),
                "INTERVIEWER_HOST": "127.0.0.1",
                "INTERVIEWER_PORT": str(port),
                "INTERVIEWER_DB_PATH": str(root / "interviews.sqlite"),
                "INTERVIEWER_SESSIONS_DIR": str(root / "sessions"),
                "INTERVIEWER_LLM": "groq",
                "INTERVIEWER_LOG_LEVEL": "warning",
                "GROQ_API_KEY": "bench",
                "GROQ_API_BASE": self.stub.base_url,
            }
        )
        # cwd = its own directory, so a developer's .env in the repo cannot change the run.
        return Server(
            name,
            ["-m", "api"],
            port,
            env=env,
            log_path=root / "server.log",
            probe_path="/healthz",
            cwd=root,
        )

    def baseline(self, name: str) -> Server:
        """A fresh baseline (the seed's design) against the stub."""
        root = self._dir(name)
        port = free_port()
        env = clean_env({"GROQ_API_KEY": "bench", "GROQ_API_BASE": self.stub.base_url})
        return Server(
            name,
            [
                "-m",
                "bench.baseline_server",
                "--port",
                str(port),
                "--turns-per-interview",
                str(self.baseline_turns),
            ],
            port,
            env=env,
            log_path=root / "server.log",
            probe_path="/healthz",
            cwd=root,
        )

    def close(self) -> None:
        self._http.close()
        self.stub.stop()


def _server_errors(server: Server) -> int:
    """ERROR lines in a server's log (a plain-text client cannot see a failed commit)."""
    if not server.log_path.exists():
        return 0
    return sum(
        1 for line in server.log_path.read_text(errors="replace").splitlines() if " ERROR " in line
    )


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)\w*)(?::\s*(.*))?$")


def _error_kinds(server: Server) -> dict[str, int]:
    """The exceptions that tracebacks in a server's log ended with, counted."""
    kinds: Counter[str] = Counter()
    if server.log_path.exists():
        for line in server.log_path.read_text(errors="replace").splitlines():
            match = _EXCEPTION_LINE.match(line)
            if match:
                kinds[f"{match.group(1)}: {(match.group(2) or '')[:80]}".rstrip(": ")] += 1
    return dict(kinds)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _waves(base_url: str, total: int, concurrency: int, plan: Plan) -> RunResult:
    """``total`` whole interviews, ``concurrency`` at a time; one merged result."""
    merged = RunResult(interviews=[], wall_seconds=0.0)
    left = total
    while left > 0:
        n = min(concurrency, left)

        def wave(n: int = n) -> Awaitable[RunResult]:
            return run_load(base_url, n, plan)

        part: RunResult = run_async(wave)
        merged.interviews.extend(part.interviews)
        merged.wall_seconds += part.wall_seconds
        left -= n
    return merged


def _warm_up(server: Server) -> None:
    """One whole interview, so lazy imports and first-use caches are not measured."""
    run_async(lambda: run_load(server.base_url, 1, Plan(settings=INTERVIEW_SETTINGS)))


@contextlib.contextmanager
def _running(server: Server, *, kill: bool = False) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        if kill:
            server.kill()
        else:
            server.stop()


# --- phases ------------------------------------------------------------------------------------


def zero_latency(bench: Bench, server: Server, side: str) -> ZeroLatency:
    """Whole interviews against a zero-latency LLM: CPU, requests and prompt tokens."""
    opts = bench.options
    _warm_up(server)
    bench.stub_reset()
    cpu0 = server.cpu()
    errors0 = _server_errors(server)
    result = _waves(
        server.base_url,
        opts.cpu_interviews,
        opts.cpu_concurrency,
        Plan(settings=INTERVIEW_SETTINGS),
    )
    cpu = server.cpu() - cpu0
    stats = bench.stub_stats()
    # The interview's own calls are streamed; evaluation reports (after an interview ends,
    # in a worker process, not streamed) are not turns: their cost is bench/evaluation.md's.
    streamed = [r for r in stats["per_request"] if r.get("stream")]
    return ZeroLatency(
        side=side,
        result=result,
        cpu_s=cpu,
        requests=len(streamed),
        prompt_tokens=sum(int(r.get("prompt_tokens") or 0) for r in streamed),
        completion_tokens=sum(int(r.get("completion_tokens") or 0) for r in streamed),
        server_errors=_server_errors(server) - errors0,
    )


def measure_storage(db: Path, finished: int, transcript_chars: float) -> Storage:
    """Checkpoint the WAL into the file and measure it (the server must be stopped)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        def one(sql: str) -> int:
            value = conn.execute(sql).fetchone()[0]
            return int(value or 0)

        storage = Storage(
            file_bytes=0,
            finished=finished,
            page_size=one("PRAGMA page_size"),
            page_count=one("PRAGMA page_count"),
            freelist_count=one("PRAGMA freelist_count"),
            checkpoint_rows=one("SELECT COUNT(*) FROM checkpoints"),
            checkpoint_bytes=one(
                "SELECT SUM(LENGTH(checkpoint) + LENGTH(COALESCE(metadata, ''))) FROM checkpoints"
            ),
            write_rows=one("SELECT COUNT(*) FROM writes"),
            write_bytes=one("SELECT SUM(LENGTH(value)) FROM writes"),
            session_rows=one("SELECT COUNT(*) FROM interviewer_sessions"),
            session_bytes=one(
                "SELECT SUM(LENGTH(settings) + LENGTH(session_id) + 200) FROM interviewer_sessions"
            ),
            threads=one("SELECT COUNT(DISTINCT thread_id) FROM checkpoints"),
            transcript_chars=transcript_chars,
        )
        blob = conn.execute(
            "SELECT checkpoint FROM checkpoints WHERE type = 'msgpack'"
            " ORDER BY LENGTH(checkpoint) DESC LIMIT 1"
        ).fetchone()
    if blob is not None:
        storage.largest_checkpoint, storage.largest_messages = _checkpoint_parts(blob[0])
    wal = db.with_name(db.name + "-wal")
    storage.file_bytes = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return storage


def _checkpoint_parts(blob: bytes) -> tuple[dict[str, int], int]:
    """Sizes of a checkpoint's parts, without reviving any class (ext types stay opaque)."""
    import ormsgpack

    data = ormsgpack.unpackb(blob, ext_hook=lambda code, raw: ormsgpack.Ext(code, raw))
    values: dict[str, Any] = data.get("channel_values", {})
    parts = {
        "whole blob": len(blob),
        "`messages` (the transcript)": len(ormsgpack.packb(values.get("messages", []))),
        "`asked_questions`": len(ormsgpack.packb(values.get("asked_questions", []))),
        "LangGraph version bookkeeping (`channel_versions`, `versions_seen`)": len(
            ormsgpack.packb([data.get("channel_versions"), data.get("versions_seen")])
        ),
    }
    parts["everything else (settings, counters, current question, ...)"] = parts[
        "whole blob"
    ] - sum(v for k, v in parts.items() if k != "whole blob")
    messages = values.get("messages", [])
    return parts, len(messages) if isinstance(messages, list) else 0


def idle_sessions(bench: Bench, server: Server, side: str) -> Memory:
    """RSS of a warm server for idle sessions, two rounds of: create N, then start them."""
    count = bench.options.idle_sessions
    _warm_up(server)
    run_async(lambda: create_sessions(server.base_url, 50, INTERVIEW_SETTINGS))
    time.sleep(0.5)
    readings = [server.rss()]
    started_ok = 0
    for _ in range(2):
        ids: list[str] = run_async(
            lambda: create_sessions(server.base_url, count, INTERVIEW_SETTINGS)
        )
        time.sleep(0.5)
        readings.append(server.rss())

        def start(ids: list[str] = ids) -> Awaitable[int]:
            return start_sessions(server.base_url, ids)

        started_ok = run_async(start)
        time.sleep(0.5)
        readings.append(server.rss())
    before, first_created, first_started, created, started = readings
    return Memory(side, count, before, first_created, first_started, created, started, started_ok)


def latency(bench: Bench, server: Server, side: str, n: int) -> Latency:
    """N candidates at once against the slow LLM, with a /healthz poller."""
    opts = bench.options
    # Warm up against a zero-latency LLM so the warm-up costs no wall time.
    bench.stub_config(0, 0)
    _warm_up(server)
    bench.stub_config(opts.ttft_ms, opts.token_delay_ms)
    deadline = opts.baseline_deadline_s if side == "baseline" else opts.ours_deadline_s
    plan = Plan(
        settings=INTERVIEW_SETTINGS,
        think=opts.think_s,
        ramp=opts.ramp_s,
        request_timeout=max(120.0, deadline + 10),
    )
    errors0 = _server_errors(server)
    kinds0 = _error_kinds(server)
    cpu0, stub0, driver0 = server.cpu(), bench.stub.cpu(), sum(os.times()[:2])
    result: RunResult = run_async(
        lambda: run_load(
            server.base_url,
            n,
            plan,
            deadline=deadline,
            healthz_interval=opts.healthz_interval_s,
        )
    )
    return Latency(
        side=side,
        n=n,
        result=result,
        ttft_s=opts.ttft_ms / 1000,
        server_cpu_s=server.cpu() - cpu0,
        stub_cpu_s=bench.stub.cpu() - stub0,
        driver_cpu_s=sum(os.times()[:2]) - driver0,
        server_errors=_server_errors(server) - errors0,
        deadline_s=deadline,
        error_kinds={
            k: v - kinds0.get(k, 0) for k, v in _error_kinds(server).items() if v > kinds0.get(k, 0)
        },
    )


def profile_ours(bench: Bench, out_dir: Path) -> Profiles:
    """py-spy on a fresh server of ours: a zero-latency run, then a latency run."""
    opts = bench.options
    profiles = Profiles()
    if find_py_spy() is None:
        profiles.skipped = (
            "py-spy is not installed: `.venv/bin/python -m pip install py-spy` then rerun"
            " `make bench` (or `python -m bench --profile`)."
        )
        return profiles
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        bench.stub_config(0, 0)
        with _running(bench.ours("profile-zero")) as server:
            _warm_up(server)
            recorder = Recorder(server.pid, out_dir / "ours-zero-latency.txt")
            _waves(
                server.base_url,
                opts.cpu_interviews,
                opts.cpu_concurrency,
                Plan(settings=INTERVIEW_SETTINGS),
            )
            raw = recorder.stop()
        if raw is not None:
            profiles.zero = summarise(raw)
            profiles.files.append(raw)
        n = min(opts.interviews)
        profiles.stream_n = n
        with _running(bench.ours("profile-latency")) as server:
            bench.stub_config(0, 0)
            _warm_up(server)
            bench.stub_config(opts.ttft_ms, opts.token_delay_ms)
            recorder = Recorder(server.pid, out_dir / f"ours-latency-{n}.txt")
            run_async(
                lambda: run_load(
                    server.base_url,
                    n,
                    Plan(settings=INTERVIEW_SETTINGS, think=opts.think_s, ramp=opts.ramp_s),
                    deadline=opts.ours_deadline_s,
                )
            )
            raw = recorder.stop()
        if raw is not None:
            profiles.stream = summarise(raw)
            profiles.files.append(raw)
    except RuntimeError as exc:
        profiles.skipped = f"py-spy could not profile the server: {exc}"
    return profiles


def _tree() -> str:
    """``abc1234`` plus the tracked files changed on top of it (read-only git commands)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    changed = [
        line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
    ]
    return commit + (f" + uncommitted changes to {', '.join(changed)}" if changed else "")


def measure(options: Options) -> Measurements:
    """Run every phase; the servers and the stub are always stopped."""
    m = Measurements(options=options, started_at=datetime.now(UTC), commit=_tree())
    first_load = _loadavg()
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="interviewer-bench-") as tmp:
        bench = Bench(options, Path(tmp))
        bench.stub.start()
        try:
            _measure_all(bench, m)
        finally:
            bench.close()
            if options.keep_work is not None:
                shutil.copytree(tmp, options.keep_work, dirs_exist_ok=True)
    m.wall_s = time.monotonic() - began
    m.loadavg = (first_load, _loadavg())
    return m


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def _measure_all(bench: Bench, m: Measurements) -> None:
    opts = bench.options

    _log(f"zero-latency LLM: {opts.cpu_interviews} interviews on our server")
    bench.stub_config(0, 0)
    server = bench.ours("ours-zero")
    with _running(server):
        m.zero["ours"] = zero_latency(bench, server, "ours")
    ours_zero = m.zero["ours"]
    finished = ours_zero.result.finished + 1  # + the warm-up interview
    chars = [i.transcript_chars for i in ours_zero.result.interviews if i.finished]
    m.storage = measure_storage(
        Path(server.env["INTERVIEWER_DB_PATH"]),
        finished,
        sum(chars) / len(chars) if chars else 0.0,
    )
    per_interview = ours_zero.chat_turns_per_interview
    m.baseline_turns = max(1, round(per_interview)) if per_interview == per_interview else 13
    bench.baseline_turns = m.baseline_turns

    _log(f"zero-latency LLM: {opts.cpu_interviews} interviews on the baseline")
    with _running(bench.baseline("baseline-zero"), kill=True) as server:
        m.zero["baseline"] = zero_latency(bench, server, "baseline")

    _log(f"idle sessions: {opts.idle_sessions} on each side")
    with _running(bench.ours("ours-idle")) as server:
        m.memory["ours"] = idle_sessions(bench, server, "ours")
    with _running(bench.baseline("baseline-idle"), kill=True) as server:
        m.memory["baseline"] = idle_sessions(bench, server, "baseline")

    bench.stub_config(opts.ttft_ms, opts.token_delay_ms)
    m.llm_ttft_probe_s = run_async(lambda: probe_llm_ttft(bench.stub.base_url))
    for n in opts.interviews:
        _log(f"latency: {n} interviews at once on our server")
        with _running(bench.ours(f"ours-{n}")) as server:
            m.latency[("ours", n)] = latency(bench, server, "ours", n)
        _log(f"latency: {n} at once on the baseline (deadline {opts.baseline_deadline_s:g}s)")
        with _running(bench.baseline(f"baseline-{n}"), kill=True) as server:
            m.latency[("baseline", n)] = latency(bench, server, "baseline", n)

    for workers in opts.workers:
        m.throughput[workers], m.capacity[workers] = workers_run(
            bench, INTERVIEW_SETTINGS, workers, opts.capacity_start.get(workers)
        )

    m.postgres_skipped = postgres_available() if opts.pg_interviews else "not run (--pg 0)"
    if not m.postgres_skipped:
        m.postgres = postgres_replicas(bench, INTERVIEW_SETTINGS, opts.pg_interviews)

    if opts.profile:
        _log("profiling our server with py-spy")
        m.profiles = profile_ours(bench, opts.out.parent / "profiles")
    else:
        m.profiles.skipped = "not profiled in this run (`python -m bench --profile`)."


# --- CLI ---------------------------------------------------------------------------------------


def _interviews(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("give positive counts, e.g. 50,200")
    return values


def parse_args(argv: Sequence[str] | None) -> Options:
    """Options from the command line (``--smoke`` changes the defaults to a tiny run)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Whole interviews over HTTP: our server against the seed's design.",
    )
    parser.add_argument("--interviews", type=_interviews, help="concurrent interviews (50,200)")
    parser.add_argument("--ttft-ms", type=float, help="LLM time to first token (200)")
    parser.add_argument("--token-delay-ms", type=float, help="LLM delay per token (5)")
    parser.add_argument("--reply-words", type=int, default=40, help="LLM reply length (40)")
    parser.add_argument(
        "--think-s",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="a candidate answers this many seconds after a reply ends, uniform (2 6)",
    )
    parser.add_argument("--ramp-s", type=float, help="candidates start spread over this (10)")
    parser.add_argument("--cpu-interviews", type=int, help="zero-latency interviews (40)")
    parser.add_argument("--idle-sessions", type=int, help="sessions for the RSS figure (1000)")
    parser.add_argument(
        "--baseline-deadline-s", type=float, help="stop the baseline's latency runs after (30)"
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="profile our server with py-spy (default: when py-spy is installed, not in smoke)",
    )
    parser.add_argument(
        "--capacity-start",
        type=int,
        nargs="+",
        metavar="N",
        help="first N of the capacity search, per worker count (default: 60%% of the"
        " interviews the measured throughput could hold at this pace)",
    )
    parser.add_argument("--capacity-steps", type=int, help="steps of each capacity search (3)")
    parser.add_argument(
        "--capacity-window-s", type=float, help="seconds each capacity step runs (40)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="worker processes of the multi-process runs (default: one per core)",
    )
    parser.add_argument(
        "--pg", type=int, help="interviews over two replicas on PostgreSQL (200; 0: skip)"
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny, fast run (the test suite)")
    parser.add_argument(
        "--keep-work", type=Path, help="copy the servers' logs and databases to this directory"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="write the results file again from the last run's measurements (no measuring)",
    )
    parser.add_argument(
        "--out", type=Path, help="results file (bench/results.md; smoke: a temp file)"
    )
    args = parser.parse_args(argv)
    smoke: bool = args.smoke

    def pick(value: Any, normal: Any, tiny: Any) -> Any:
        return value if value is not None else (tiny if smoke else normal)

    out = args.out or (
        Path(tempfile.gettempdir()) / "interviewer-bench-smoke.md" if smoke else DEFAULT_OUT
    )
    profile = (
        args.profile if args.profile is not None else (not smoke and find_py_spy() is not None)
    )
    think = tuple(args.think_s) if args.think_s else (0.0, 0.0) if smoke else (2.0, 6.0)
    command = "python -m bench" + ("" if argv is None and len(sys.argv) <= 1 else " ")
    command += " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    cores = len(os.sched_getaffinity(0))
    many = args.workers or max(2, cores)
    workers = [1, many]
    starts = args.capacity_start or ([2, 2] if smoke else [])
    return Options(
        workers=workers,
        capacity_start=dict(zip(workers, starts + starts[-1:], strict=False)) if starts else {},
        capacity_steps=pick(args.capacity_steps, 3, 1),
        capacity_think_s=(0.1, 0.3) if smoke else (5.0, 15.0),
        capacity_ramp_s=0.3 if smoke else 20.0,
        capacity_window_s=pick(args.capacity_window_s, 40.0, 2.0),
        throughput_candidates=3 if smoke else 150,
        throughput_window_s=2.0 if smoke else 15.0,
        step_pause_s=0.2 if smoke else 3.0,
        pg_interviews=pick(args.pg, 200, 3),
        interviews=pick(args.interviews, [50, 200], [3]),
        ttft_ms=pick(args.ttft_ms, 200.0, 5.0),
        token_delay_ms=pick(args.token_delay_ms, 5.0, 1.0),
        reply_words=args.reply_words,
        think_s=(float(think[0]), float(think[1])),
        ramp_s=pick(args.ramp_s, 10.0, 0.0),
        cpu_interviews=pick(args.cpu_interviews, 40, 3),
        cpu_concurrency=3 if smoke else 10,
        idle_sessions=pick(args.idle_sessions, 1000, 20),
        baseline_deadline_s=pick(args.baseline_deadline_s, 30.0, 10.0),
        ours_deadline_s=30.0 if smoke else 300.0,
        healthz_interval_s=0.05,
        profile=profile,
        smoke=smoke,
        out=out,
        command=command.strip(),
        keep_work=args.keep_work,
        render_only=args.render_only,
    )


def _saved(out: Path) -> Path:
    """Where a run keeps its measurements, to render the results again without measuring."""
    return out.parent / "profiles" / (out.stem + ".measurements.pickle")


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the table, write the results file. Never fails on a missed target."""
    options = parse_args(argv)
    saved = _saved(options.out)
    if options.render_only:
        # Our own file from the last run (git-ignored): e.g. after editing bench/analysis.md.
        with saved.open("rb") as handle:
            measurements: Measurements = pickle.load(handle)
    else:
        measurements = measure(options)
        saved.parent.mkdir(parents=True, exist_ok=True)
        with saved.open("wb") as handle:
            pickle.dump(measurements, handle)
    text = report.render(measurements)
    print(report.table(measurements))
    if not options.render_only:
        # INTERVIEWER_FOLLOW_UP=llm: what the judged decision adds per technical answer.
        cost = judge_cost.table(judge_cost.measure(10 if options.smoke else 40, options.ttft_ms))
        print("\n" + cost)
        text += "\n\n## Follow-up decision: rules vs LLM judge\n\n" + cost + "\n"
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(text, encoding="utf-8")
    _log(f"wrote {options.out} in {measurements.wall_s:.0f}s")
    return 0
