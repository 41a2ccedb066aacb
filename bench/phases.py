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

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.capacity import postgres_available, postgres_replicas, workers_run
from bench.driver import (
    Plan,
    RunResult,
    create_sessions,
    probe_llm_ttft,
    run_async,
    run_load,
    start_sessions,
)
from bench.measurements import Latency, Measurements, Memory, Profiles, Storage, ZeroLatency
from bench.options import INTERVIEW_SETTINGS, Options
from bench.procs import Server
from bench.profile import Recorder, find_py_spy, summarise
from bench.servers import Bench, error_kinds, log, running, server_errors

REPO = Path(__file__).resolve().parent.parent


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


def zero_latency(bench: Bench, server: Server, side: str) -> ZeroLatency:
    """Whole interviews against a zero-latency LLM: CPU, requests and prompt tokens."""
    opts = bench.options
    _warm_up(server)
    bench.stub_reset()
    cpu0 = server.cpu()
    errors0 = server_errors(server)
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
        server_errors=server_errors(server) - errors0,
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
    errors0 = server_errors(server)
    kinds0 = error_kinds(server)
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
        server_errors=server_errors(server) - errors0,
        deadline_s=deadline,
        error_kinds={
            k: v - kinds0.get(k, 0) for k, v in error_kinds(server).items() if v > kinds0.get(k, 0)
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
        with running(bench.ours("profile-zero")) as server:
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
        with running(bench.ours("profile-latency")) as server:
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
        try:
            bench.stub.start()
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

    log(f"zero-latency LLM: {opts.cpu_interviews} interviews on our server")
    bench.stub_config(0, 0)
    server = bench.ours("ours-zero")
    with running(server):
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

    log(f"zero-latency LLM: {opts.cpu_interviews} interviews on the baseline")
    with running(bench.baseline("baseline-zero"), kill=True) as server:
        m.zero["baseline"] = zero_latency(bench, server, "baseline")

    log(f"idle sessions: {opts.idle_sessions} on each side")
    with running(bench.ours("ours-idle")) as server:
        m.memory["ours"] = idle_sessions(bench, server, "ours")
    with running(bench.baseline("baseline-idle"), kill=True) as server:
        m.memory["baseline"] = idle_sessions(bench, server, "baseline")

    bench.stub_config(opts.ttft_ms, opts.token_delay_ms)
    m.llm_ttft_probe_s = run_async(lambda: probe_llm_ttft(bench.stub.base_url))
    for n in opts.interviews:
        log(f"latency: {n} interviews at once on our server")
        with running(bench.ours(f"ours-{n}")) as server:
            m.latency[("ours", n)] = latency(bench, server, "ours", n)
        log(f"latency: {n} at once on the baseline (deadline {opts.baseline_deadline_s:g}s)")
        with running(bench.baseline(f"baseline-{n}"), kill=True) as server:
            m.latency[("baseline", n)] = latency(bench, server, "baseline", n)

    for workers in opts.workers:
        m.throughput[workers], m.capacity[workers] = workers_run(
            bench, INTERVIEW_SETTINGS, workers, opts.capacity_start.get(workers)
        )

    m.postgres_skipped = postgres_available() if opts.pg_interviews else "not run (--pg 0)"
    if not m.postgres_skipped:
        m.postgres = postgres_replicas(bench, INTERVIEW_SETTINGS, opts.pg_interviews)

    if opts.profile:
        log("profiling our server with py-spy")
        m.profiles = profile_ours(bench, opts.out.parent / "profiles")
    else:
        m.profiles.skipped = "not profiled in this run (`python -m bench --profile`)."
