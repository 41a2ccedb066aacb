"""``python -m bench``: the command line. Parses the options, runs every phase
(:mod:`bench.phases`), keeps the measurements, prints the table and writes the results file
(:mod:`bench.report`), then the cost of the LLM-judged follow-up (:mod:`bench.judge_cost`)."""

from __future__ import annotations

import argparse
import os
import pickle
import shlex
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import judge_cost, report
from bench.measurements import Measurements
from bench.options import Options
from bench.phases import measure
from bench.profile import find_py_spy
from bench.servers import log
from devkit.processes import exit_on_sigterm

REPO = Path(__file__).resolve().parent.parent

DEFAULT_OUT = (
    REPO / "bench" / "results.md"
    if (REPO / "pyproject.toml").is_file()
    else Path("bench-results.md")  # an installed bench: not into site-packages
)
"""Where the results file goes: ``bench/results.md`` in a source tree, else the cwd."""


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
    exit_on_sigterm()
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
    log(f"wrote {options.out} in {measurements.wall_s:.0f}s")
    return 0
