"""What the LLM-judged follow-up decision costs (``INTERVIEWER_FOLLOW_UP=llm``), per decision.

With ``rules`` (the default) a technical answer costs one LLM round trip: the reply. With
``llm`` it costs two, and the judge's round trip comes before the reply's first token, so its
whole latency is added to the candidate's wait. This measures both decisions on the same
answers, the judge through the real ChatGroq client against the Groq-protocol stub (in process,
on loopback) at the benchmark's time to first token: latency per decision and the judge's
prompt and completion tokens. ``python -m bench`` prints it after the main table; run it alone
with ``python -m bench.judge_cost``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from langchain_core.messages import HumanMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.runtime import Runtime

from devkit.groq_server import GroqStubServer, StubConfig
from devkit.processes import exit_on_sigterm
from graph.context import Context
from graph.follow_up import choose_follow_up, judge_follow_up
from graph.state import FollowUpJudgement, InterviewSettings, State

ANSWERS = (
    "I used a worker pool with a bounded queue and exponential backoff on retries, plus a "
    "circuit breaker around the flaky dependency; tracing showed where the latency went.",
    "Indexes on the join keys.",
    "Honestly, I don't know the isolation levels well.",
    "We added a composite index on tenant and created_at and moved the aggregation into a "
    "materialized view refreshed every minute, which took p95 from 800 ms to 90 ms.",
)


@dataclass
class JudgeCost:
    decisions: int
    ttft_ms: float
    rules_us: float
    """Median time of one rules decision, microseconds."""
    judge_p50_ms: float
    judge_p95_ms: float
    prompt_tokens: float
    """Mean prompt tokens of one judge request."""
    completion_tokens: float
    """Mean completion tokens of one judge request."""
    schema_tokens: float
    """Estimate of the tool schema's tokens (about 4 characters each): Groq bills them, the
    stub does not count them."""
    fallbacks: int
    """Decisions where the judge failed or timed out and the rules decided."""


def _state(answer: str) -> State:
    settings = InterviewSettings(technical_questions=2, skills=["python"])
    return State(
        settings=settings,
        stage="technical",
        questions_asked=1,
        total_expected_questions=2,
        main_question="How would you profile and speed up a slow Python service?",
        current_question="How would you profile and speed up a slow Python service?",
        current_skill="python",
        messages=[HumanMessage(answer)],
    )


@contextmanager
def _groq_env(base_url: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("GROQ_API_KEY", "GROQ_API_BASE")}
    os.environ["GROQ_API_KEY"] = "bench-key"
    os.environ["GROQ_API_BASE"] = base_url
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _judge_all(n: int, context: Context) -> tuple[list[float], int]:
    runtime: Runtime[Context] = Runtime(context=context)
    latencies: list[float] = []
    fallbacks = 0
    for i in range(n):
        state = _state(ANSWERS[i % len(ANSWERS)])
        start = time.perf_counter()
        decision = await judge_follow_up(state, runtime)
        latencies.append(time.perf_counter() - start)
        fallbacks += decision.source == "rules"
    return latencies, fallbacks


def measure(decisions: int = 40, ttft_ms: float = 200.0, token_delay_ms: float = 5.0) -> JudgeCost:
    """Time `decisions` rules decisions and as many judge round trips against the stub."""
    rules: list[float] = []
    for i in range(max(decisions, 200)):
        state = _state(ANSWERS[i % len(ANSWERS)])
        start = time.perf_counter()
        choose_follow_up(state)
        rules.append(time.perf_counter() - start)
    config = StubConfig(
        ttft=ttft_ms / 1000,
        token_delay=token_delay_ms / 1000,
        # A judgement as a real model writes it: the reason is most of its tokens.
        structured_reply={
            "action": "follow_up",
            "kind": "deeper",
            "reason": "The answer names a bounded queue and backoff; ask how retries avoid "
            "overloading the dependency.",
        },
    )
    with GroqStubServer(config) as stub, _groq_env(stub.base_url):
        context = Context(llm="groq", follow_up="llm", follow_up_timeout=30.0)
        latencies, fallbacks = asyncio.run(_judge_all(decisions, context))
        requests = [r for r in stub.stats["per_request"] if r["status"] == 200]
    prompt = statistics.fmean(r["prompt_tokens"] for r in requests) if requests else 0.0
    completion = statistics.fmean(r["completion_tokens"] for r in requests) if requests else 0.0
    return JudgeCost(
        decisions=decisions,
        ttft_ms=ttft_ms,
        rules_us=statistics.median(rules) * 1e6,
        judge_p50_ms=_percentile(latencies, 0.5) * 1000,
        judge_p95_ms=_percentile(latencies, 0.95) * 1000,
        prompt_tokens=prompt,
        completion_tokens=completion,
        schema_tokens=len(json.dumps(convert_to_openai_tool(FollowUpJudgement))) / 4,
        fallbacks=fallbacks,
    )


def table(cost: JudgeCost) -> str:
    """The cost of a follow-up decision, rules against the LLM judge, as a Markdown table."""
    return "\n".join(
        [
            f"Follow-up decision cost ({cost.decisions} decisions; LLM stub at ttft "
            f"{cost.ttft_ms:g} ms; the judge's latency adds to the reply's first token):",
            "",
            "| decision | LLM round trips per technical answer | latency p50 | latency p95 "
            "| prompt tokens | completion tokens |",
            "|---|---|---|---|---|---|",
            f"| rules (default) | 1 (the reply) | {cost.rules_us:.0f} µs | — | 0 | 0 |",
            f"| llm judge | 2 (judge, then reply) | {cost.judge_p50_ms:.0f} ms "
            f"| {cost.judge_p95_ms:.0f} ms | {cost.prompt_tokens:.0f} "
            f"+ ~{cost.schema_tokens:.0f} schema | {cost.completion_tokens:.0f} |",
            "",
            f"Judge fallbacks to the rules: {cost.fallbacks} of {cost.decisions}.",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.judge_cost", description=__doc__)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--ttft-ms", type=float, default=200.0)
    parser.add_argument("--token-delay-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    exit_on_sigterm()
    print(table(measure(args.decisions, args.ttft_ms, args.token_delay_ms)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
