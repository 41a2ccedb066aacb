"""Capacity: how many concurrent interviews one box holds, at a realistic pace.

Each simulated candidate thinks 5-15 s (seeded, uniform, per turn) before answering, as a person
does; the LLM stand-in answers at 200 ms to first token and 5 ms per token. A *step* runs N such
candidates against a fresh server for a fixed window and passes when the overhead beyond the
LLM's first token (p99) stays within the limit and nothing failed. :func:`search` starts from the
measured throughput, moves N up after a pass and down after a miss, a few steps per
configuration; the capacity is the largest N that passed.

Also here: the throughput of 1 and N worker processes when candidates answer instantly (how
turns/s scale with workers), and the PostgreSQL run of issue 8 (two replicas, one database),
with what each turn costs the database.

The load harness is measured beside every figure: the stand-in's own first-token time probed
directly (no server in between) during each run, and how late the driver's event loop ran.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.driver import Plan, RunResult, run_async, run_load
from bench.measurements import Capacity, PostgresRun, Step
from bench.procs import Server, cpu_seconds
from bench.servers import Bench, error_kinds, log, running, server_errors

PG_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def search(run_step: Callable[[int], Step], start: int, steps: int) -> list[Step]:
    """Up x2 after a pass, down x0.6 after a miss; halfway between once both are known."""
    done: list[Step] = []
    n, passed, missed = start, 0, 0
    for _ in range(steps):
        step = run_step(n)
        done.append(step)
        if step.passed:
            passed = max(passed, n)
        else:
            missed = n if not missed else min(missed, n)
        if passed and missed:
            nxt = (passed + missed) // 2
        elif passed:
            nxt = n * 2
        else:
            nxt = max(1, round(n * 0.6))
        if nxt in {s.n for s in done} or nxt < 1:
            break
        n = nxt
    return done


def measure_step(
    bench: Bench,
    servers: list[Server],
    label: str,
    workers: int,
    n: int,
    plan: Plan,
    window_s: float,
) -> Step:
    """``n`` candidates on running ``servers`` (one service) for ``window_s`` seconds."""
    opts = bench.options
    errors0 = sum(server_errors(s) for s in servers)
    kinds0: dict[str, int] = {}
    for s in servers:
        for k, v in error_kinds(s).items():
            kinds0[k] = kinds0.get(k, 0) + v
    cpu0 = sum(s.cpu() for s in servers)
    stub0, driver0 = bench.stub.cpu(), _own_cpu()
    result: RunResult = run_async(
        lambda: run_load(
            [s.base_url for s in servers],
            n,
            plan,
            deadline=window_s,
            llm_base_url=bench.stub.base_url,
        )
    )
    kinds: dict[str, int] = {}
    for s in servers:
        for k, v in error_kinds(s).items():
            kinds[k] = kinds.get(k, 0) + v
    return Step(
        label=label,
        workers=workers,
        n=n,
        result=result,
        ttft_s=opts.ttft_ms / 1000,
        window_s=window_s,
        server_cpu_s=sum(s.cpu() for s in servers) - cpu0,
        stub_cpu_s=bench.stub.cpu() - stub0,
        driver_cpu_s=_own_cpu() - driver0,
        server_errors=sum(server_errors(s) for s in servers) - errors0,
        error_kinds={k: v - kinds0.get(k, 0) for k, v in kinds.items() if v > kinds0.get(k, 0)},
    )


def _own_cpu() -> float:
    return sum(os.times()[:2])


def warm_up(servers: list[Server], settings: dict[str, Any], workers: int) -> int:
    """Whole interviews at zero latency, enough connections to reach every worker; how many
    finished."""
    urls = [s.base_url for s in servers]
    count = max(2, 2 * workers * len(servers))
    result: RunResult = run_async(lambda: run_load(urls, count, Plan(settings=settings)))
    return result.finished


def realistic_plan(bench: Bench, settings: dict[str, Any]) -> Plan:
    opts = bench.options
    return Plan(
        settings=settings,
        think=opts.capacity_think_s,
        ramp=opts.capacity_ramp_s,
        request_timeout=opts.capacity_window_s + 30,
    )


def label_of(workers: int) -> str:
    return "1 process" if workers == 1 else f"{workers} worker processes"


START_UTILISATION = 0.6
"""The search starts where the turns/s offered are this share of the measured saturation."""


def first_guess(bench: Bench, rate: Step) -> int:
    """Interviews whose turns at this pace would be 60% of the saturated turns/s (step of 50)."""
    opts = bench.options
    reply_s = (opts.ttft_ms + opts.reply_words * opts.token_delay_ms) / 1000
    cycle = sum(opts.capacity_think_s) / 2 + reply_s
    guess = START_UTILISATION * rate.turns_per_s * cycle
    return max(50, round(guess / 50.0) * 50) if guess == guess else 100


def workers_run(
    bench: Bench, settings: dict[str, Any], workers: int, start: int | None
) -> tuple[Step, Capacity]:
    """One server with ``workers`` processes: the throughput step, then the capacity search.

    The steps share the server (a pause between them lets the cut-off turns of the previous
    one end); its database keeps the earlier steps' sessions, as a real one would. Without a
    given ``start`` the search starts from the throughput step (:func:`first_guess`).
    """
    opts = bench.options
    label = label_of(workers)
    found = Capacity(label, workers)
    bench.stub_config(0, 0)
    with running(bench.ours(f"workers-{workers}", workers=workers)) as server:
        warm_up([server], settings, workers)
        bench.stub_config(opts.ttft_ms, opts.token_delay_ms)
        log(f"throughput, {label}: {opts.throughput_candidates} candidates answering instantly")
        instant = Plan(settings=settings, request_timeout=opts.throughput_window_s + 30)
        rate = measure_step(
            bench,
            [server],
            label,
            workers,
            opts.throughput_candidates,
            instant,
            opts.throughput_window_s,
        )

        def step(n: int) -> Step:
            time.sleep(opts.step_pause_s)
            log(f"capacity, {label}: {n} candidates thinking {opts.capacity_think_s} s")
            return measure_step(
                bench,
                [server],
                label,
                workers,
                n,
                realistic_plan(bench, settings),
                opts.capacity_window_s,
            )

        # One process gets a step fewer: it is the reference, the worker count is the target.
        steps = opts.capacity_steps if workers > 1 else max(1, opts.capacity_steps - 1)
        found.steps = search(step, start or first_guess(bench, rate), steps)
    return rate, found


# --- PostgreSQL ----------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(server_url: str = PG_SERVER_URL) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server; dropped afterwards."""
    import psycopg

    name = f"interviewer_bench_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class _DbStats:
    table_bytes: int
    commits: int
    inserted: int
    updated: int
    deleted: int
    backend_cpu: dict[int, float]


def _db_stats(url: str) -> _DbStats:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        size = conn.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = 'public'"
        ).fetchone()
        stats = conn.execute(
            "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert size is not None and stats is not None
    cpu: dict[int, float] = {}
    for (pid,) in pids:
        with contextlib.suppress(OSError):
            cpu[pid] = cpu_seconds(pid)
    commits, inserted, updated, deleted = (int(v) for v in stats)
    return _DbStats(int(size[0]), commits, inserted, updated, deleted, cpu)


def postgres_replicas(
    bench: Bench, settings: dict[str, Any], n: int, replicas: int = 2
) -> PostgresRun:
    """``n`` interviews (the latency runs' pace) over ``replicas`` processes on one database."""
    opts = bench.options
    with fresh_database() as url, contextlib.ExitStack() as stack:
        bench.stub_config(0, 0)
        servers = [
            stack.enter_context(running(bench.ours(f"pg-replica-{i}", database_url=url)))
            for i in range(replicas)
        ]
        warmed = warm_up(servers, settings, 1)
        bench.stub_config(opts.ttft_ms, opts.token_delay_ms)
        log(f"PostgreSQL: {n} interviews over {replicas} replicas")
        time.sleep(1.0)  # PostgreSQL publishes its counters about once a second
        before = _db_stats(url)
        plan = Plan(
            settings=settings,
            think=opts.think_s,
            ramp=opts.ramp_s,
            request_timeout=opts.ours_deadline_s + 10,
        )
        step = measure_step(
            bench,
            servers,
            f"{replicas} replicas on PostgreSQL",
            1,
            n,
            plan,
            opts.ours_deadline_s,
        )
        time.sleep(1.5)
        after = _db_stats(url)
    db_cpu = sum(cpu - before.backend_cpu.get(pid, 0.0) for pid, cpu in after.backend_cpu.items())
    return PostgresRun(
        step=step,
        replicas=replicas,
        finished=step.result.finished + warmed,
        table_bytes=after.table_bytes,
        commits=after.commits - before.commits,
        rows_inserted=after.inserted - before.inserted,
        rows_updated=after.updated - before.updated,
        rows_deleted=after.deleted - before.deleted,
        db_cpu_s=db_cpu,
    )


def postgres_available(server_url: str = PG_SERVER_URL) -> str:
    """Empty when the PostgreSQL server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(server_url, connect_timeout=3):
            return ""
    except Exception as exc:  # any failure means: not measured, and why
        return f"{server_url} is not reachable ({str(exc).strip() or type(exc).__name__})"
