"""The figures, their targets, and the Markdown that ``python -m bench`` prints and writes.

Every figure is computed from one invocation's measurements (:mod:`bench.phases`), ours and the
baseline's side by side; ``ratio`` is always ours ÷ baseline.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bench import profile

if TYPE_CHECKING:
    from bench.capacity import Step
    from bench.phases import Latency, Measurements

ANALYSIS = Path(__file__).resolve().parent / "analysis.md"

# Targets of the issue, on the 2-core machine with the LLM at 200 ms to first token, 5 ms/token.
P50_TARGETS_MS = {50: 5.0}
P99_TARGETS_MS = {50: 50.0, 200: 150.0}
ZERO_ERROR_AT = {200}
HEALTHZ_P99_MS = {200: 50.0}
PROMPT_RATIO_MAX = 0.30
REQUESTS_PER_TURN_MAX = 1.2
TURNS_PER_CPU_S_MIN = 200.0
CAPACITY_MIN = 1000
"""Concurrent interviews one 2-core box holds with every core used (issue 12)."""
SQLITE_BYTES_MAX = 200 * 1024
RSS_PER_1000_MAX = 5e6

FIGURE_NAMES = (
    "TTFB less LLM first-token time",
    "errors",
    "prompt tokens per candidate turn",
    "LLM requests per candidate turn",
    "server CPU per turn, zero-latency LLM",
    "SQLite bytes per finished interview",
    "RSS growth per 1,000 idle sessions",
    "/healthz p99 while",
    "most concurrent interviews",
    "turns/s, candidates answering instantly",
)
"""Every row of the table starts with one of these (the smoke test checks them)."""


@dataclass
class Figure:
    """One row of the table."""

    name: str
    ours: float | None
    baseline: float | None
    unit: Literal[
        "ms", "tokens", "requests", "turns/CPU-s", "KB", "MB", "errors", "interviews", "turns/s"
    ]
    target: str = "—"
    limit: float | None = None
    on: Literal["ours", "ratio"] = "ours"
    higher_is_better: bool = False
    baseline_note: str = ""
    ours_extra: str = ""
    baseline_extra: str = ""
    baseline_lower_bound: bool = False

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline

    @property
    def checked(self) -> float | None:
        return self.ratio if self.on == "ratio" else self.ours

    @property
    def met(self) -> bool | None:
        value = self.checked
        if self.limit is None or value is None or math.isnan(value):
            return None
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def miss(self) -> str:
        """How far a missed figure is from its target."""
        value = self.checked
        if value is None or self.limit is None:
            return ""
        if self.on == "ratio":
            return f"{value:.0%} of the baseline, target ≤ {self.limit:.0%}"
        gap = self.limit - value if self.higher_is_better else value - self.limit
        factor = (
            (self.limit / value if self.higher_is_better else value / self.limit)
            if (value and self.limit)
            else float("inf")
        )
        return (
            f"{_fmt(gap, self.unit)} {'short' if self.higher_is_better else 'over'} ({factor:.1f}x)"
        )


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "ms":
        return f"{value:,.0f} ms" if abs(value) >= 100 else f"{value:.1f} ms"
    if unit == "tokens":
        return f"{value:,.0f} tokens"
    if unit == "requests":
        return f"{value:.2f}"
    if unit == "turns/CPU-s":
        return f"{value:,.0f} turns/CPU-s"
    if unit == "KB":
        return f"{value / 1024:,.1f} KB"
    if unit == "interviews":
        return f"{value:,.0f} interviews"
    if unit == "turns/s":
        return f"{value:,.1f} turns/s"
    if unit == "MB":
        return f"{value / 1e6:,.2f} MB"
    return f"{value:,.0f}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def figures(m: Measurements) -> list[Figure]:
    """Every figure of the table, in order."""
    rows: list[Figure] = []
    opts = m.options
    for n in opts.interviews:
        ours, base = m.latency.get(("ours", n)), m.latency.get(("baseline", n))
        if ours is None or base is None:
            continue
        o, b = ours.overheads_ms(), base.overheads_ms()
        censored = base.censored > 0
        name = f"TTFB less LLM first-token time, {n} concurrent"
        for p, targets in ((50, P50_TARGETS_MS), (99, P99_TARGETS_MS)):
            limit = targets.get(n)
            rows.append(
                Figure(
                    f"{name}: p{p}",
                    percentile(o, p),
                    percentile(b, p),
                    "ms",
                    target=f"≤ {limit:g} ms" if limit is not None else "—",
                    limit=limit,
                    baseline_lower_bound=censored,
                )
            )
        rows.append(
            Figure(
                f"errors, {n} concurrent",
                float(ours.errors),
                float(base.errors),
                "errors",
                target="0" if n in ZERO_ERROR_AT else "—",
                limit=0.0 if n in ZERO_ERROR_AT else None,
                ours_extra=_error_detail(ours),
                baseline_extra=_error_detail(base),
            )
        )
    zo, zb = m.zero.get("ours"), m.zero.get("baseline")
    if zo is not None and zb is not None:
        rows.append(
            Figure(
                "prompt tokens per candidate turn",
                zo.prompt_tokens_per_chat_turn,
                zb.prompt_tokens_per_chat_turn,
                "tokens",
                target=f"≤ {PROMPT_RATIO_MAX:.0%} of baseline",
                limit=PROMPT_RATIO_MAX,
                on="ratio",
            )
        )
        rows.append(
            Figure(
                "LLM requests per candidate turn",
                zo.requests_per_chat_turn,
                zb.requests_per_chat_turn,
                "requests",
                target=f"≤ {REQUESTS_PER_TURN_MAX:g}",
                limit=REQUESTS_PER_TURN_MAX,
            )
        )
        rows.append(
            Figure(
                "server CPU per turn, zero-latency LLM",
                zo.turns_per_cpu_s,
                zb.turns_per_cpu_s,
                "turns/CPU-s",
                target=f"≥ {TURNS_PER_CPU_S_MIN:g} turns/s",
                limit=TURNS_PER_CPU_S_MIN,
                higher_is_better=True,
                ours_extra=f"{zo.cpu_ms_per_turn:.1f} ms/turn",
                baseline_extra=f"{zb.cpu_ms_per_turn:.1f} ms/turn",
            )
        )
    if m.storage is not None:
        rows.append(
            Figure(
                "SQLite bytes per finished interview",
                m.storage.bytes_per_interview,
                None,
                "KB",
                target=f"≤ {SQLITE_BYTES_MAX // 1024} KB",
                limit=float(SQLITE_BYTES_MAX),
                baseline_note="none: in process memory, lost on restart",
            )
        )
    mo, mb = m.memory.get("ours"), m.memory.get("baseline")
    if mo is not None and mb is not None:
        for label, ours_growth, base_growth in (
            ("created", mo.created_growth, mb.created_growth),
            ("started, waiting for the candidate", mo.started_growth, mb.started_growth),
        ):
            rows.append(
                Figure(
                    f"RSS growth per 1,000 idle sessions ({label})",
                    ours_growth,
                    base_growth,
                    "MB",
                    target=f"≤ {RSS_PER_1000_MAX / 1e6:g} MB",
                    limit=RSS_PER_1000_MAX,
                )
            )
    if opts.interviews:
        n = max(opts.interviews)
        ours, base = m.latency.get(("ours", n)), m.latency.get(("baseline", n))
        if ours is not None and base is not None:
            limit = HEALTHZ_P99_MS.get(n)
            rows.append(
                Figure(
                    f"/healthz p99 while {n} interviews stream",
                    percentile([h * 1000 for h in ours.result.healthz], 99),
                    percentile([h * 1000 for h in base.result.healthz], 99),
                    "ms",
                    target=f"≤ {limit:g} ms" if limit is not None else "—",
                    limit=limit,
                    baseline_lower_bound=base.result.deadline_hit,
                )
            )
    rows += _capacity_figures(m)
    return rows


def harness(step: Step) -> str:
    """The load harness's own overhead during a step: the stand-in probed directly, the driver."""
    return (
        f"stand-in alone +{_fmt(step.stub_overhead_ms(50), 'ms')}"
        f" / +{_fmt(step.stub_overhead_ms(99), 'ms')} p50/p99,"
        f" driver loop lag p99 {_fmt(step.loop_lag_ms(99), 'ms')}"
    )


def _baseline_rate(m: Measurements) -> float | None:
    """The baseline's turns/s in its largest latency run (it serialises every turn)."""
    runs = [run for (side, _), run in m.latency.items() if side == "baseline"]
    if not runs:
        return None
    run = max(runs, key=lambda r: r.n)
    turns = len([t for t in run.result.turns if not t.censored])
    return turns / run.result.wall_seconds if run.result.wall_seconds else None


def _capacity_figures(m: Measurements) -> list[Figure]:
    rows: list[Figure] = []
    o = m.options
    think = f"{o.capacity_think_s[0]:g}-{o.capacity_think_s[1]:g} s"
    rate = _baseline_rate(m)
    cycle = sum(o.capacity_think_s) / 2 + (o.ttft_ms + o.reply_words * o.token_delay_ms) / 1000
    note = (
        f"not measured: it serialises turns, {rate:.1f} turns/s whatever the load, so about"
        f" {rate * cycle:,.0f} interviews at this pace even with unbounded waits"
        if rate
        else "not measured"
    )
    for workers, found in m.capacity.items():
        best, miss = found.best, found.lowest_miss
        extra = ""
        if best is not None:
            extra = (
                f"p99 {_fmt(best.p99_ms, 'ms')}, {best.turns_per_s:.0f} turns/s; {harness(best)}"
            )
        elif miss is not None:
            extra = f"even {miss.n} missed: p99 {_fmt(miss.p99_ms, 'ms')}, {miss.errors} errors"
        many = workers > 1
        rows.append(
            Figure(
                f"most concurrent interviews, think {think}, overhead p99 ≤ 100 ms, 0 errors:"
                f" {found.label}",
                float(best.n) if best is not None else 0.0,
                None,
                "interviews",
                target=f"≥ {CAPACITY_MIN:,}" if many else "—",
                limit=float(CAPACITY_MIN) if many else None,
                higher_is_better=True,
                baseline_note=note,
                ours_extra=extra,
            )
        )
    one = m.throughput.get(1)
    for workers, step in m.throughput.items():
        scale = ""
        if one is not None and workers != 1 and one.turns_per_s:
            scale = f"{step.turns_per_s / one.turns_per_s:.2f}x of 1 process; "
        rows.append(
            Figure(
                f"turns/s, candidates answering instantly ({step.n}): {step.label}",
                step.turns_per_s,
                rate,
                "turns/s",
                ours_extra=f"{scale}server CPU {step.server_cpu_s / step.result.wall_seconds:.0%}"
                f" of one core, {step.errors} errors",
            )
        )
    pg = m.postgres
    if pg is not None:
        sqlite = m.latency.get(("ours", pg.step.n))
        for p in (50, 99):
            beside = ""
            if sqlite is not None:
                sqlite_p = percentile(sqlite.overheads_ms(), p)
                beside = f"1 process on SQLite: {_fmt(sqlite_p, 'ms')}"
            rows.append(
                Figure(
                    f"PostgreSQL, {pg.replicas} replicas, {pg.step.n} concurrent: overhead p{p}",
                    percentile(pg.step.overheads_ms(), p),
                    None,
                    "ms",
                    baseline_note="—",
                    ours_extra=beside,
                )
            )
        rows.append(
            Figure(
                f"PostgreSQL, {pg.replicas} replicas, {pg.step.n} concurrent: errors",
                float(pg.step.errors),
                None,
                "errors",
                target="0",
                limit=0.0,
                baseline_note="—",
                ours_extra=f"1 process on SQLite: {sqlite.errors}" if sqlite is not None else "",
            )
        )
        rows.append(
            Figure(
                "PostgreSQL bytes per finished interview",
                pg.bytes_per_interview,
                None,
                "KB",
                baseline_note="—",
                ours_extra=f"SQLite: {_fmt(m.storage.bytes_per_interview, 'KB')}"
                if m.storage is not None
                else "",
            )
        )
    return rows


def _error_detail(run: Latency) -> str:
    parts = []
    if run.result.errors:
        parts.append(f"{run.result.errors} seen by clients")
    if run.server_errors:
        parts.append(f"{run.server_errors} in the server log")
    return ", ".join(parts)


def _cell(value: float | None, unit: str, extra: str = "", lower_bound: bool = False) -> str:
    text = _fmt(value, unit)
    if lower_bound and text != "—":
        text = "≥ " + text
    return f"{text} ({extra})" if extra else text


def table(m: Measurements) -> str:
    """The Markdown table: figure | ours | baseline | ratio | target | met?"""
    lines = [
        "| figure | ours | baseline | ratio | target | met? |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for f in figures(m):
        baseline = f.baseline_note or _cell(
            f.baseline, f.unit, f.baseline_extra, f.baseline_lower_bound
        )
        ratio = f.ratio
        if ratio is None or math.isnan(ratio):
            ratio_text = "—"
        else:
            ratio_text = ("≤ " if f.baseline_lower_bound else "") + f"{ratio:.2g}x"
        met = f.met
        met_text = "—" if met is None else "yes" if met else f"**no**: {f.miss()}"
        lines.append(
            f"| {f.name} | {_cell(f.ours, f.unit, f.ours_extra)} | {baseline} | {ratio_text}"
            f" | {f.target} | {met_text} |"
        )
    return "\n".join(lines)


# --- the results file ---------------------------------------------------------------------------


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


def _settings(m: Measurements) -> list[str]:
    from bench.phases import INTERVIEW_SETTINGS

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


def _runs(m: Measurements) -> list[str]:
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
            f" | {len(health)} ({_fmt(percentile(health, 50), 'ms')}) |"
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


def _storage(m: Measurements) -> list[str]:
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
        *_largest_checkpoint(s.largest_checkpoint, s.largest_messages),
        "What grows it: every kept checkpoint stores the whole interview state, and the bulk of"
        " that state is the transcript (each message serialised with its metadata) plus the list"
        " of questions already asked. A session keeps its head checkpoint and, until the next turn"
        " commits, the previous one, so a finished interview costs one or two copies of its"
        " transcript; the bytes grow linearly with the number of turns and the length of"
        " the answers, and the rest is B-tree slack and free pages left by pruned checkpoints.",
    ]


def _largest_checkpoint(parts: dict[str, int], messages: int) -> list[str]:
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


def _memory(m: Measurements) -> list[str]:
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


def _misses(m: Measurements, rows: list[Figure]) -> list[str]:
    missed = [f for f in rows if f.met is False]
    if not missed:
        return ["Every figure with a target meets it."]
    lines = []
    for f in missed:
        lines.append(
            f"- **{f.name}**: ours {_cell(f.ours, f.unit)}, target {f.target}: {f.miss()}."
        )
    lines.append("")
    lines.append(
        "The profiles below show where our server's CPU goes; `bench/analysis.md` (included"
    )
    lines.append("at the end) names the causes found in them.")
    return lines


def _profiles(m: Measurements) -> list[str]:
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


def _step_row(step: Step) -> str:
    r = step.result
    wall = r.wall_seconds or float("nan")
    return (
        f"| {step.label} | {step.n:,} | {step.turns:,} | {step.turns_per_s:.1f}"
        f" | {_fmt(step.p50_ms, 'ms')} | {_fmt(step.p99_ms, 'ms')} | {step.errors}"
        f" | {step.server_cpu_s:.1f} s ({step.server_cpu_s / wall:.0%}),"
        f" {step.cpu_ms_per_turn:.1f} ms/turn"
        f" | {step.stub_cpu_s:.1f} s | {step.driver_cpu_s:.1f} s"
        f" | +{_fmt(step.stub_overhead_ms(50), 'ms')} / +{_fmt(step.stub_overhead_ms(99), 'ms')}"
        f" | {_fmt(step.loop_lag_ms(99), 'ms')}"
        f" | {'yes' if step.passed else 'no'} |"
    )


STEP_HEADER = [
    "| configuration | candidates | turns | turns/s | overhead p50 | overhead p99 | errors"
    " | server CPU | stub CPU | driver CPU | stand-in alone p50 / p99 | driver loop lag p99"
    " | passes? |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
]


def _capacity(m: Measurements) -> list[str]:
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
        lines += [_step_row(step) for step in found.steps]
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
            *[_step_row(step) for step in m.throughput.values()],
        ]
    return lines


def _postgres(m: Measurements) -> list[str]:
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
        f" | {step.turns:,} | {_fmt(step.p50_ms, 'ms')} | {_fmt(step.p99_ms, 'ms')}"
        f" | {step.errors} | {_fmt(pg.bytes_per_interview, 'KB')} |",
    ]
    if sqlite is not None:
        o = sqlite.overheads_ms()
        per = m.storage.bytes_per_interview if m.storage is not None else None
        lines.append(
            f"| 1 process, SQLite | {sqlite.result.finished}/{sqlite.n}"
            f" | {len(sqlite.result.turns):,} | {_fmt(percentile(o, 50), 'ms')}"
            f" | {_fmt(percentile(o, 99), 'ms')} | {sqlite.errors} | {_fmt(per, 'KB')} |"
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


def _load_note(m: Measurements) -> str:
    start, end = getattr(m, "loadavg", ("", ""))
    return (
        f"- Load average (1, 5, 15 min) at the start of the run: {start or '?'}; at the end:"
        f" {end or '?'}, on {os.cpu_count()} cores. Everything (servers, stub, driver) shares"
        " these cores; a load above the core count means other work on the machine competed"
        " with the run, and wall-clock figures (latency, capacity) are then pessimistic."
    )


def _probe_note(m: Measurements) -> str:
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


def render(m: Measurements) -> str:
    """The whole results file."""
    rows = figures(m)
    date = m.started_at.strftime("%Y-%m-%d %H:%M UTC")
    smoke = " (SMOKE RUN: tiny settings, figures are not meaningful)" if m.options.smoke else ""
    parts = [
        f"# Benchmark: whole interviews over HTTP{smoke}",
        "",
        f"Run on {date} with `{m.options.command}` (what `make bench` runs), on the tree"
        f" {getattr(m, 'commit', '') or 'not recorded'}.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Settings",
        "",
        *_settings(m),
        "",
        "## Results",
        "",
        "ratio = ours ÷ baseline. TTFB = time from sending a turn's request to the first"
        " non-empty chunk of its streamed reply, as the client reads it; the LLM's own"
        f" {m.options.ttft_ms:g} ms to first token is subtracted. Baseline cells marked ≥ include"
        " turns still waiting at the deadline (counted at their wait so far), so the true value"
        " is higher.",
        "",
        table(m),
        "",
        "## Misses",
        "",
        *_misses(m, rows),
        "",
        "## How each figure is measured",
        "",
        "- **TTFB less LLM first-token time**: every streamed turn (start and chat) of every"
        " candidate in the run; nearest-rank percentiles.",
        "- **errors**: turns that failed as the client sees them (HTTP error, broken or empty"
        " stream, no end marker) plus ERROR lines in the server's log (a turn that fails after its"
        " first byte cannot be seen by a plain-text client: it is rolled back).",
        "- **prompt tokens / LLM requests per candidate turn**: the stub's counts of the"
        " streamed requests (the interview's own; the evaluation report's calls after an"
        " interview are not streamed and are costed in `bench/evaluation.md`) over the"
        " zero-latency interviews ÷ candidate messages (`chat` requests; the greeting is a turn"
        " with an LLM request but no candidate message). The stub counts"
        " `ceil(len(text)/4) + 4` per message.",
        "- **server CPU per turn**: user + system CPU of the server process (all threads; with"
        " several workers, the supervisor and every worker; not the evaluation worker process,"
        " see `bench/evaluation.md`) over the zero-latency interviews ÷ streamed turns; shown as"
        " turns per CPU-second. One process' event loop runs on one core at a time (the GIL);"
        " `INTERVIEWER_WORKERS` processes use that many cores.",
        "- **most concurrent interviews**: the capacity search below (Capacity); the baseline is"
        " not searched, its turns/s at its largest latency run says what it could hold.",
        "- **SQLite bytes per finished interview**: size of the database file (+ WAL, after"
        " `PRAGMA wal_checkpoint(TRUNCATE)` on the stopped server) ÷ finished interviews.",
        "- **RSS growth per 1,000 idle sessions**: `VmRSS` of a fresh, warmed-up server"
        " through two rounds of N sessions: created (`create-session`), then started"
        " (`start-interview`: the greeting was streamed and the session waits for the"
        " candidate). The table shows round 2 (created: growth over its creation; started:"
        " growth over its creation and greetings), scaled to 1,000; see Memory for round 1.",
        "- **/healthz p99**: a poller GETs `/healthz` every"
        f" {m.options.healthz_interval_s * 1000:g} ms during the run with the most interviews.",
        "",
        "## Runs",
        "",
        *_runs(m),
        "",
        "## Capacity: concurrent interviews at a realistic pace, and workers",
        "",
        *_capacity(m),
        "",
        "## Two replicas on PostgreSQL",
        "",
        *_postgres(m),
        "",
        "## SQLite: what grows it",
        "",
        *_storage(m),
        "",
        "## Memory",
        "",
        *_memory(m),
        "",
        "## Profiles",
        "",
        *_profiles(m),
        "",
        "## Notes",
        "",
        "- The baseline (`bench/baseline_server.py`) is the seed's design written for the bench:"
        " sessions in a dict, one monolithic system prompt with the whole plan, the full history"
        " re-sent every turn, the synchronous `ChatGroq.stream()` iterated inside an async"
        " endpoint's StreamingResponse. It blocks its event loop for each whole LLM stream, so"
        " its turns run one at a time: a whole run of the larger concurrency would take many"
        " minutes, hence its deadline. Its prompt-token and CPU figures come from whole"
        " interviews (zero-latency run).",
        _probe_note(m),
        _load_note(m),
        "- The LangGraph API server (`langgraph dev` / `make studio`) is the other competitor"
        " named in the issue; it is not measured here.",
    ]
    if ANALYSIS.exists():
        parts += ["", ANALYSIS.read_text(encoding="utf-8").strip()]
    return "\n".join(parts) + "\n"
