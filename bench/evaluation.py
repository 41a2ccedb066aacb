"""``python -m bench.evaluation``: what the evaluation report costs (run by ``make bench``).

Two figures, printed as one table (and written to ``bench/evaluation.md`` with ``--out``):

1. **Groq tokens per interview.** Whole interviews (offline interviewer, the shared simulated
   candidate) are evaluated through the real ChatGroq client against the loopback
   Groq-protocol server, whose judge answers with a realistic assessment (quotes, a rationale
   of about 40 words). Tokens are the server's counts (about 4 characters a token; Groq's own
   tokenizer differs a little); the dollar figure uses the list price given by ``--price-in`` /
   ``--price-out`` (USD per million tokens).
2. **Closing time to first byte, with and without the background evaluation.** N interviews at
   once over HTTP against an in-process server; the closing's TTFB is measured with the
   evaluation hook on (every finished interview evaluated at once, offline heuristic) and off.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

import graph  # noqa: F401  (strict msgpack before LangGraph loads)
from devkit.candidate import is_final, reply_to
from devkit.graph_driver import answer, start, state_of
from devkit.groq_server import GroqStubServer
from devkit.processes import exit_on_sigterm
from devkit.threaded_server import ThreadedServer, offline_settings
from graph.context import Context
from graph.evaluation.graph import evaluation_graph, evaluation_input
from graph.evaluation.judge import JUDGE_RUNS
from graph.evaluation.report import Report
from graph.graph import build_graph
from graph.state import InterviewSettings, State

SETTINGS = InterviewSettings(
    behavioral_questions=3,
    technical_questions=5,
    custom_questions=["Why do you want to join us?"],
    skills=["python", "sql", "system design"],
    candidate_name="Ana",
    job_position="Backend Engineer",
)
RATIONALE = (
    "The answer names a concrete measurement step and two specific changes, and ties them to a "
    "stated outcome; it stays on the question's subject but gives little detail on trade-offs "
    "or on how the change was verified beyond the latency figure."
)


def _judge(body: dict[str, Any]) -> dict[str, Any]:
    prompt = str(body["messages"][-1]["content"])
    section = prompt.split("<candidate_answers>", 1)[-1]
    turn_line, _, text = section.partition(":\n")
    turn = int(turn_line.split("[turn ", 1)[-1].split("]", 1)[0] or 0)
    words = text.split()
    return {
        "arguments": {
            "score": 3,
            "evidence": [
                {"quote": " ".join(words[:10]), "turn": turn},
                {"quote": " ".join(words[12:22]), "turn": turn},
            ],
            "rationale": RATIONALE,
            "admitted_gap": False,
            "communication": 4,
        }
    }


async def _interview(thread: str, saver: AsyncSqliteSaver) -> State:
    interviewer = build_graph(checkpointer=saver)
    context = Context(llm="offline")
    text = (await start(interviewer, thread, SETTINGS, context)).text
    turn = 0
    while not is_final(text):
        turn += 1
        text = (await answer(interviewer, thread, reply_to(text, turn), context)).text
    return await state_of(interviewer, thread)


async def token_cost(interviews: int, workdir: Path) -> dict[str, float]:
    """Mean Groq calls and tokens per evaluated interview, and the offline heuristic's time."""
    async with aiosqlite.connect(str(workdir / "cost.sqlite")) as conn:
        saver = AsyncSqliteSaver(conn)
        states = [await _interview(f"cost-{i}", saver) for i in range(interviews)]
    heuristic = []
    for i, state in enumerate(states):
        began = time.perf_counter()
        await evaluation_graph.ainvoke(
            evaluation_input(state, f"h{i}"), context=Context(llm="offline")
        )
        heuristic.append(time.perf_counter() - began)
    usages = []
    with GroqStubServer() as stub:
        os.environ["GROQ_API_KEY"] = os.environ.get("GROQ_API_KEY") or "bench-key"
        os.environ["GROQ_API_BASE"] = stub.base_url
        stub.responder = _judge
        for i, state in enumerate(states):
            result = await evaluation_graph.ainvoke(
                evaluation_input(state, f"g{i}"), context=Context(llm="groq")
            )
            report = result["report"]
            assert isinstance(report, Report)
            usages.append(report.usage)
    return {
        "calls": statistics.mean(u.calls for u in usages),
        "prompt": statistics.mean(u.prompt_tokens for u in usages),
        "completion": statistics.mean(u.completion_tokens for u in usages),
        "heuristic_ms": 1000 * statistics.mean(heuristic),
    }


async def _closing_ttft(client: httpx.AsyncClient, session_id: str) -> float:
    text = ""
    async with client.stream("POST", f"/start-interview/{session_id}") as response:
        text = "".join([c async for c in response.aiter_text()])
    turn = 0
    while True:
        turn += 1
        body = {"message": reply_to(text, turn), "session_id": session_id, "type": "user"}
        began = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        async with client.stream("POST", f"/chat/{session_id}", json=body) as response:
            async for chunk in response.aiter_text():
                if chunk and first is None:
                    first = time.perf_counter() - began
                parts.append(chunk)
        text = "".join(parts)
        if is_final(text):
            assert first is not None
            return first


async def closing_ttfb(interviews: int, evaluate: bool, workdir: Path) -> list[float]:
    server = ThreadedServer(offline_settings(workdir / ("on" if evaluate else "off"))).start()
    try:
        if not evaluate:
            server.app.state.service.on_finished = None
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            warm = await client.post("/create-session", json=SETTINGS.model_dump())
            await _closing_ttft(client, warm.json()["session_id"])  # imports, caches, pools
            ids = []
            for _ in range(interviews):
                created = await client.post("/create-session", json=SETTINGS.model_dump())
                ids.append(created.json()["session_id"])
            return list(await asyncio.gather(*(_closing_ttft(client, s) for s in ids)))
    finally:
        server.stop()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluation", description=__doc__)
    parser.add_argument("--interviews", type=int, default=3, help="evaluated interviews (3)")
    parser.add_argument("--concurrent", type=int, default=20, help="TTFB interviews at once")
    parser.add_argument("--price-in", type=float, default=0.59, help="USD per 1M input tokens")
    parser.add_argument("--price-out", type=float, default=0.79, help="USD per 1M output tokens")
    parser.add_argument("--out", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp:
        workdir = Path(tmp)
        cost = asyncio.run(token_cost(args.interviews, workdir))
        without = asyncio.run(closing_ttfb(args.concurrent, False, workdir))
        with_eval = asyncio.run(closing_ttfb(args.concurrent, True, workdir))
    dollars = (cost["prompt"] * args.price_in + cost["completion"] * args.price_out) / 1e6
    # Each answered question is judged JUDGE_RUNS times (different seeds) so disagreements show:
    # the runs beyond the first are what that costs.
    added = dollars * (JUDGE_RUNS - 1) / JUDGE_RUNS
    questions = SETTINGS.total_expected_questions
    rows = [
        ("Groq evaluation calls per interview", f"{cost['calls']:.1f}"),
        ("prompt tokens per interview", f"{cost['prompt']:.0f}"),
        ("completion tokens per interview", f"{cost['completion']:.0f}"),
        (
            f"cost per interview at ${args.price_in}/${args.price_out} per 1M",
            f"${dollars:.4f}",
        ),
        (
            f"added by {JUDGE_RUNS} judge runs per question instead of 1, per interview",
            f"${added:.4f}",
        ),
        ("offline heuristic evaluation, ms per interview", f"{cost['heuristic_ms']:.1f}"),
        (
            f"closing TTFB p50 / p95, {args.concurrent} at once, evaluation on (ms)",
            f"{1000 * _pct(with_eval, 0.5):.1f} / {1000 * _pct(with_eval, 0.95):.1f}",
        ),
        (
            f"closing TTFB p50 / p95, {args.concurrent} at once, evaluation off (ms)",
            f"{1000 * _pct(without, 0.5):.1f} / {1000 * _pct(without, 0.95):.1f}",
        ),
    ]
    table = "\n".join(
        [
            f"Evaluation report ({questions} main questions, {args.interviews} interviews)",
            "",
            "| figure | value |",
            "| --- | --- |",
            *(f"| {name} | {value} |" for name, value in rows),
        ]
    )
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
