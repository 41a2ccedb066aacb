"""The sections of the results file below the table: the machine, the settings, every run,
capacity, PostgreSQL, storage, memory, profiles and the notes on the harness."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata

from bench import profile
from bench.figures import Figure, cell, fmt
from bench.measurements import Measurements, Step, percentile
from bench.options import INTERVIEW_SETTINGS


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine() -> list[str]:
    """uname, CPU model, cores, memory, Python and the versions that matter."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    versions = []
    for package in ("langgraph", "langchain-groq", "groq", "fastapi", "uvicorn", "httpx"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return [
        f"- `uname -a`: `{_run(['uname', '-a']) or platform.platform()}`",
        f"- CPU: {cpu or platform.processor()}, {os.cpu_count()} cores; memory {memory}",
        f"- Python {platform.python_version()}; {', '.join(versions)}",
    ]


def settings(m: Measurements) -> list[str]:
    o = m.options
    think = f"{o.think_s[0]:g}-{o.think_s[1]:g} s (uniform)" if o.think_s[1] > 0 else "none"
    return [
        "- LLM (Groq-protocol stub, `devkit/groq_server.py`):"
        f" {o.ttft_ms:g} ms to first token,"
        f" {o.token_delay_ms:g} ms per token, about {o.reply_words} words (= tokens) per reply;"
        " reached through the real `langchain-groq` client (`GROQ_API_BASE`) on both sides.",
        f"- Interview (the `create-session` body): `{json.dumps(INTERVIEW_SETTINGS)}`.",
        f"- Candidates: start spread over {o.ramp_s:g} s; each answers {think} after a reply"
        " ends (a person takes far longer: this is a heavier load than the same number of real"
        " candidates).",
        f"- Concurrency runs: {', '.join(str(n) for n in o.interviews)} interviews at once; the"
        f" baseline's runs stop after {o.baseline_deadline_s:g} s (see the notes).",
        f"- Zero-latency runs: {o.cpu_interviews} whole interviews per side,"
        f" {o.cpu_concurrency} at a time, after one warm-up interview.",
        f"- Idle sessions: {o.idle_sessions} per side, on a fresh, warmed-up server.",
        f"- Baseline closes after {m.baseline_turns} candidate messages: the mean number our"
        " server needed for the same interview (zero-latency run), so both run interviews of the"
        " same length.",
        f"- Total wall time of this run: {m.wall_s:.0f} s.",
    ]


def runs(m: Measurements) -> list[str]:
    lines = [
        "| run | interviews finished | turns (candidate) | censored | wall | turns/s"
        " | server CPU | stub CPU | driver CPU | /healthz probes (p50) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (side, n), run in m.latency.items():
        r = run.result
        turns = len([t for t in r.turns if not t.censored])
        health = [h * 1000 for h in r.healthz]
        lines.append(
            f"| {side}, {n} at once | {r.finished}/{n} | {turns} ({r.chat_turns})"
            f" | {run.censored} | {r.wall_seconds:.0f} s | {turns / r.wall_seconds:.1f}"
            f" | {run.server_cpu_s:.1f} s ({run.server_cpu_s / r.wall_seconds:.0%})"
            f" | {run.stub_cpu_s:.1f} s | {run.driver_cpu_s:.1f} s"
            f" | {len(health)} ({fmt(percentile(health, 50), 'ms')}) |"
        )
    kinds = [
        f"- {side}, {n} at once: " + "; ".join(f"`{k}` x{v}" for k, v in run.error_kinds.items())
        for (side, n), run in m.latency.items()
        if run.error_kinds
    ]
    for side, z in m.zero.items():
        r = z.result
        lines.append(
            f"| {side}, zero-latency LLM | {r.finished}/{len(r.interviews)}"
            f" | {z.turns} ({z.chat_turns}) | 0 | {r.wall_seconds:.0f} s"
            f" | {z.turns / r.wall_seconds:.1f} | {z.cpu_s:.1f} s | — | — | — |"
        )
    if kinds:
        lines += ["", "Exceptions in the server logs during the runs:", "", *kinds]
    return lines


def storage(m: Measurements) -> list[str]:
    s = m.storage
    if s is None:
        return []
    per = max(s.finished, 1)
    live = (s.page_count - s.freelist_count) * s.page_size
    return [
        f"{s.finished} finished interviews (including the warm-up) in"
        f" {s.file_bytes / 1024:,.0f} KB after `PRAGMA wal_checkpoint(TRUNCATE)`"
        f" ({s.page_count} pages of {s.page_size} B, {s.freelist_count} of them free:"
        f" {live / per / 1024:,.1f} KB live per interview).",
        "",
        "| what | rows per interview | bytes per interview |",
        "| --- | ---: | ---: |",
        f"| `checkpoints` (checkpoint + metadata blobs) | {s.checkpoint_rows / per:.1f}"
        f" | {s.checkpoint_bytes / per / 1024:,.1f} KB |",
        f"| `writes` (pending writes blobs) | {s.write_rows / per:.1f}"
        f" | {s.write_bytes / per / 1024:,.1f} KB |",
        f"| `interviewer_sessions` (session row, approx.) | {s.session_rows / per:.1f}"
        f" | {s.session_bytes / per / 1024:,.1f} KB |",
        f"| transcript the candidate saw (replies + answers, characters) | —"
        f" | {s.transcript_chars / 1024:,.1f} KB |",
        "",
        *largest_checkpoint(s.largest_checkpoint, s.largest_messages),
        "What grows it: every kept checkpoint stores the whole interview state, and the bulk of"
        " that state is the transcript (each message serialised with its metadata) plus the list"
        " of questions already asked. A session keeps its head checkpoint and, until the next turn"
        " commits, the previous one, so a finished interview costs one or two copies of its"
        " transcript; the bytes grow linearly with the number of turns and the length of"
        " the answers, and the rest is B-tree slack and free pages left by pruned checkpoints.",
    ]


def largest_checkpoint(parts: dict[str, int], messages: int) -> list[str]:
    if not parts:
        return []
    whole = parts.get("whole blob", 0) or 1
    lines = [
        f"The largest checkpoint (a finished interview, {messages} messages), part by part:",
        "",
        "| part | bytes | share |",
        "| --- | ---: | ---: |",
    ]
    for name, size in parts.items():
        lines.append(f"| {name} | {size:,} | {size / whole:.0%} |")
    return [*lines, ""]


def memory(m: Measurements) -> list[str]:
    lines = [
        "| side | RSS warm | round 1: + N created | + N started | round 2: + N created"
        " | + N started | round 1 per 1,000 (started) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for side, mem in m.memory.items():
        first = mem.growth_per_1000(mem.rss_before, mem.first_started)
        lines.append(
            f"| {side} | {mem.rss_before / 1e6:.1f} MB | {mem.first_created / 1e6:.1f} MB"
            f" | {mem.first_started / 1e6:.1f} MB | {mem.rss_created / 1e6:.1f} MB"
            f" | {mem.rss_started / 1e6:.1f} MB | {first / 1e6:.2f} MB |"
        )
    n = next(iter(m.memory.values())).sessions if m.memory else 0
    every = all(x.started_ok == x.sessions for x in m.memory.values())
    return [
        f"N = {n} sessions per round ({'all' if every else 'NOT all'} greetings streamed)."
        " The table's figures are round 2 (steady state). Round 1 also fills bounded caches"
        " (SQLite's page cache is 2 MB per connection, and our server has two), so it grows"
        " more once and then not again.",
        "",
        *lines,
    ]


def misses(m: Measurements, rows: list[Figure]) -> list[str]:
    missed = [f for f in rows if f.met is False]
    if not missed:
        return ["Every figure with a target meets it."]
    lines = []
    for f in missed:
        lines.append(f"- **{f.name}**: ours {cell(f.ours, f.unit)}, target {f.target}: {f.miss()}.")
    lines.append("")
    lines.append(
        "The profiles below show where our server's CPU goes; `bench/analysis.md` (included"
    )
    lines.append("at the end) names the causes found in them.")
    return lines


def profiles(m: Measurements) -> list[str]:
    p = m.profiles
    zero = m.zero.get("ours")
    lines: list[str] = []
    if p.skipped:
        lines += [f"No profile: {p.skipped}", ""]
    if p.zero is not None:
        lines += [
            profile.markdown(
                p.zero,
                zero.cpu_ms_per_turn if zero else None,
                "Our server, zero-latency LLM (the CPU-per-turn figure)",
            ),
            "",
        ]
    if p.stream is not None:
        run = m.latency.get(("ours", p.stream_n))
        per_turn = None
        if run is not None and run.result.turns:
            per_turn = 1000 * run.server_cpu_s / len(run.result.turns)
        lines += [
            profile.markdown(
                p.stream,
                per_turn,
                f"Our server, {p.stream_n} interviews at once against the slow LLM"
                " (tokens arrive one by one)",
            ),
            "",
        ]
    lines += [
        "Reproduce: `.venv/bin/python -m pip install py-spy` (not a project dependency), then"
        " `make bench` or `.venv/bin/python -m bench --profile`; the raw collapsed stacks are"
        " written next to the results file, in `profiles/` (git-ignored; open them with"
        " speedscope or `flamegraph.pl`). By hand:"
        " `py-spy record --gil --pid <server pid> --format raw -o out.txt` while"
        " `python -m bench` runs. As root, or with `ptrace` allowed.",
    ]
    return lines


def step_row(step: Step) -> str:
    r = step.result
    wall = r.wall_seconds or float("nan")
    return (
        f"| {step.label} | {step.n:,} | {step.turns:,} | {step.turns_per_s:.1f}"
        f" | {fmt(step.p50_ms, 'ms')} | {fmt(step.p99_ms, 'ms')} | {step.errors}"
        f" | {step.server_cpu_s:.1f} s ({step.server_cpu_s / wall:.0%}),"
        f" {step.cpu_ms_per_turn:.1f} ms/turn"
        f" | {step.stub_cpu_s:.1f} s | {step.driver_cpu_s:.1f} s"
        f" | +{fmt(step.stub_overhead_ms(50), 'ms')} / +{fmt(step.stub_overhead_ms(99), 'ms')}"
        f" | {fmt(step.loop_lag_ms(99), 'ms')}"
        f" | {'yes' if step.passed else 'no'} |"
    )


STEP_HEADER = [
    "| configuration | candidates | turns | turns/s | overhead p50 | overhead p99 | errors"
    " | server CPU | stub CPU | driver CPU | stand-in alone p50 / p99 | driver loop lag p99"
    " | passes? |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
]


def capacity(m: Measurements) -> list[str]:
    o = m.options
    if not m.capacity and not m.throughput:
        return ["Not measured in this run."]
    lines = [
        f"Each step: one server (fresh per worker count, shared by its steps), N candidates"
        f" starting over {o.capacity_ramp_s:g} s, each thinking"
        f" {o.capacity_think_s[0]:g}-{o.capacity_think_s[1]:g} s (uniform, seeded) before every"
        f" answer, for {o.capacity_window_s:g} s; the LLM stand-in at {o.ttft_ms:g} ms to first"
        f" token and {o.token_delay_ms:g} ms per token. A step passes with overhead p99 ≤ 100 ms"
        " and zero errors; the search starts where the turns offered would be 60% of the"
        " throughput measured below (instant answers), goes up x2 after a pass, down x0.6 after"
        f" a miss, then halves the gap ({o.capacity_steps} steps at most, one fewer for one"
        " process). Turns cut off by the"
        " window's end count at their wait so far. *stand-in alone* is the stub's own"
        " first-token time beyond the configured one, probed directly (a bare client, no"
        " server in between) every 0.5 s during the step; *driver loop lag* is how late the"
        " load driver's event loop woke a 50 ms timer: both are the harness's share of every"
        " figure.",
        "",
        *STEP_HEADER,
    ]
    for found in m.capacity.values():
        lines += [step_row(step) for step in found.steps]
    lines += [""]
    for found in m.capacity.values():
        best = found.best
        lines.append(
            f"- {found.label}: **{best.n:,} concurrent interviews**"
            if best is not None
            else f"- {found.label}: no step passed"
        )
    if m.throughput:
        lines += [
            "",
            f"Throughput: candidates answering instantly (no think time), for"
            f" {o.throughput_window_s:g} s, against the same stand-in: turns/s at saturation,"
            " by worker processes.",
            "",
            *STEP_HEADER,
            *[step_row(step) for step in m.throughput.values()],
        ]
    return lines


def postgres(m: Measurements) -> list[str]:
    pg = m.postgres
    if pg is None:
        return [f"Not measured: {m.postgres_skipped or 'not run'}."]
    step = pg.step
    sqlite = m.latency.get(("ours", step.n))
    lines = [
        f"{step.n} interviews at the latency runs' pace over {pg.replicas} replicas (separate"
        " `python -m api` processes, one worker each) on one fresh PostgreSQL database (created"
        " for the run, dropped after); every request of a candidate goes to the other replica"
        " than the one before (no sticky routing). Beside it, the single-process SQLite run of"
        " the same size from the table above.",
        "",
        "| run | finished | turns | overhead p50 | overhead p99 | errors | bytes per interview |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {pg.replicas} replicas, PostgreSQL | {step.result.finished}/{step.n}"
        f" | {step.turns:,} | {fmt(step.p50_ms, 'ms')} | {fmt(step.p99_ms, 'ms')}"
        f" | {step.errors} | {fmt(pg.bytes_per_interview, 'KB')} |",
    ]
    if sqlite is not None:
        o = sqlite.overheads_ms()
        per = m.storage.bytes_per_interview if m.storage is not None else None
        lines.append(
            f"| 1 process, SQLite | {sqlite.result.finished}/{sqlite.n}"
            f" | {len(sqlite.result.turns):,} | {fmt(percentile(o, 50), 'ms')}"
            f" | {fmt(percentile(o, 99), 'ms')} | {sqlite.errors} | {fmt(per, 'KB')} |"
        )
    per_turn_cpu = pg.per_turn(pg.db_cpu_s)
    lines += [
        "",
        "What one turn costs the database (PostgreSQL's own counters for the run's database,"
        " `pg_stat_database`, and the CPU of the backends serving the replicas' pools, from"
        " `/proc`), per streamed turn:",
        "",
        "| per turn | value |",
        "| --- | ---: |",
        f"| transactions committed | {pg.per_turn(pg.commits):.1f} |",
        f"| rows inserted | {pg.per_turn(pg.rows_inserted):.1f} |",
        f"| rows updated | {pg.per_turn(pg.rows_updated):.1f} |",
        f"| rows deleted | {pg.per_turn(pg.rows_deleted):.1f} |",
        f"| table bytes (whole interview ÷ its turns) |"
        f" {pg.table_bytes / max(pg.finished, 1) / max(step.turns / max(step.n, 1), 1):,.0f} B |",
        f"| PostgreSQL backend CPU | {per_turn_cpu * 1000:.2f} ms |",
        f"| turns/s one PostgreSQL core serves at that cost | {1 / per_turn_cpu:,.0f} |"
        if per_turn_cpu and per_turn_cpu == per_turn_cpu
        else "| turns/s one PostgreSQL core serves at that cost | — |",
    ]
    return lines


def load_note(m: Measurements) -> str:
    start, end = getattr(m, "loadavg", ("", ""))
    return (
        f"- Load average (1, 5, 15 min) at the start of the run: {start or '?'}; at the end:"
        f" {end or '?'}, on {os.cpu_count()} cores. Everything (servers, stub, driver) shares"
        " these cores; a load above the core count means other work on the machine competed"
        " with the run, and wall-clock figures (latency, capacity) are then pessimistic."
    )


def probe_note(m: Measurements) -> str:
    probe = [t * 1000 for t in m.llm_ttft_probe_s]
    if not probe:
        return "- The LLM's own first-token time was not probed."
    floor = percentile(probe, 50)
    return (
        f"- The LLM's own first-token time as a bare httpx client sees it (unloaded, median of"
        f" {len(probe)}): {floor:.1f} ms for {m.options.ttft_ms:g} ms configured. The table"
        f" subtracts only the configured {m.options.ttft_ms:g} ms, so about"
        f" {floor - m.options.ttft_ms:.1f} ms of every TTFB figure is the stub's own request"
        " handling and loopback, not our server's (conservative)."
    )
