"""The figures of ``python -m bench``: their targets, each row's value on both sides, and the
Markdown table printed and written at the top of the results file.

Every figure is computed from one invocation's measurements (:mod:`bench.measurements`), ours and
the baseline's side by side; ``ratio`` is always ours ÷ baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from bench.measurements import Latency, Measurements, Step, percentile

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
            f"{fmt(gap, self.unit)} {'short' if self.higher_is_better else 'over'} ({factor:.1f}x)"
        )


def fmt(value: float | None, unit: str) -> str:
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


def harness(step: Step) -> str:
    """The load harness's own overhead during a step: the stand-in probed directly, the driver."""
    return (
        f"stand-in alone +{fmt(step.stub_overhead_ms(50), 'ms')}"
        f" / +{fmt(step.stub_overhead_ms(99), 'ms')} p50/p99,"
        f" driver loop lag p99 {fmt(step.loop_lag_ms(99), 'ms')}"
    )


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
            extra = f"p99 {fmt(best.p99_ms, 'ms')}, {best.turns_per_s:.0f} turns/s; {harness(best)}"
        elif miss is not None:
            extra = f"even {miss.n} missed: p99 {fmt(miss.p99_ms, 'ms')}, {miss.errors} errors"
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
                beside = f"1 process on SQLite: {fmt(sqlite_p, 'ms')}"
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
                ours_extra=f"SQLite: {fmt(m.storage.bytes_per_interview, 'KB')}"
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


def cell(value: float | None, unit: str, extra: str = "", lower_bound: bool = False) -> str:
    text = fmt(value, unit)
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
        baseline = f.baseline_note or cell(
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
            f"| {f.name} | {cell(f.ours, f.unit, f.ours_extra)} | {baseline} | {ratio_text}"
            f" | {f.target} | {met_text} |"
        )
    return "\n".join(lines)
