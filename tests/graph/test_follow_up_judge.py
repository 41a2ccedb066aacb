"""The LLM-judged follow-up decision (INTERVIEWER_FOLLOW_UP=llm) over the real ChatGroq client
against the loopback Groq-protocol stub: structured output, limits kept by code, a timeout
that falls back to the rules, and nothing of the judge reaching a stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from devkit.graph_driver import answer, start, state_of
from devkit.groq_server import GroqStubServer, StubConfig
from graph.context import Context
from graph.graph import InterviewGraph, build_graph
from graph.llm import DECISION_TAG
from graph.state import FollowUpJudgement, InterviewSettings

ANSWER = (
    "I used a worker pool with a bounded queue and exponential backoff on retries, plus a "
    "circuit breaker around the flaky dependency; tracing showed where the latency went and a "
    "canary deployment let us roll back within minutes."
)
SETTINGS = InterviewSettings(
    behavioral_questions=0, technical_questions=2, skills=["python"], candidate_name="Ana"
)


@pytest.fixture
async def groq_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[InterviewGraph, GroqStubServer]]:
    with GroqStubServer(StubConfig(reply_words=25)) as stub:
        monkeypatch.setenv("GROQ_API_KEY", "test-key")
        monkeypatch.setenv("GROQ_API_BASE", stub.base_url)
        async with aiosqlite.connect(str(tmp_path / "db.sqlite")) as conn:
            yield build_graph(checkpointer=AsyncSqliteSaver(conn)), stub


async def _at_first_technical_question(graph: InterviewGraph, context: Context) -> None:
    await start(graph, "j", SETTINGS, context)
    await answer(graph, "j", "I want to work on payment systems at scale.", context)
    assert (await state_of(graph, "j")).stage == "technical"


def test_the_judgement_schema_describes_every_field_for_the_llm() -> None:
    schema = FollowUpJudgement.model_json_schema()
    assert schema["description"]
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
    assert "source" not in schema["properties"]


async def test_llm_decision_is_structured_kept_with_its_reason_and_never_streamed(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq", follow_up="llm")
    await _at_first_technical_question(graph, context)
    stub.config = StubConfig(
        reply_words=25,
        structured_reply={"action": "move_on", "kind": None, "reason": "JUDGE-REASON complete"},
    )
    stub.reset()
    seen: list[Any] = []
    async for mode, chunk in graph.astream(
        Command(resume={"type": "user", "message": ANSWER}),
        {"configurable": {"thread_id": "j"}},
        context=context,
        stream_mode=["custom", "messages"],
        durability="exit",
    ):
        seen.append((mode, chunk))
    state = await state_of(graph, "j")
    assert state.last_decision is not None and state.last_decision.source == "llm"
    assert state.last_decision.reason == "JUDGE-REASON complete"
    assert state.decisions == [state.last_decision]
    # The judge's decision moved on: the next main question was asked, no follow-up.
    assert state.questions_asked == 2 and state.follow_ups == 0
    requests = stub.stats["per_request"]
    # The judge, then the reply, then (once the question has streamed) its rubric (issue 18).
    assert [r["stream"] for r in requests] == [False, True, False]
    for mode, chunk in seen:
        text = str(chunk)
        assert "JUDGE-REASON" not in text
        if mode == "messages":
            assert DECISION_TAG not in chunk[1].get("tags", [])
    tokens = "".join(c["text"] for m, c in seen if m == "custom" and c["event"] == "token")
    assert "JUDGE-REASON" not in tokens and tokens


async def test_llm_decision_reason_is_kept_in_the_state(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq", follow_up="llm")
    await _at_first_technical_question(graph, context)
    stub.config = StubConfig(
        reply_words=25,
        structured_reply={"action": "follow_up", "kind": "edge_case", "reason": "probe retries"},
    )
    await answer(graph, "j", ANSWER, context)
    state = await state_of(graph, "j")
    assert state.last_decision is not None
    assert state.last_decision.source == "llm"
    assert state.last_decision.reason == "probe retries"
    assert state.follow_ups == 1


async def test_code_keeps_the_follow_up_limit_over_the_llm(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq", follow_up="llm", max_follow_ups=0)
    await _at_first_technical_question(graph, context)
    stub.config = StubConfig(
        reply_words=25,
        structured_reply={"action": "follow_up", "kind": "deeper", "reason": "dig in"},
    )
    await answer(graph, "j", ANSWER, context)
    state = await state_of(graph, "j")
    assert state.follow_ups == 0 and state.questions_asked == 2


async def test_a_slow_judge_falls_back_to_the_rules_within_the_timeout(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq", follow_up="llm", follow_up_timeout=0.3)
    await _at_first_technical_question(graph, context)
    stub.add_faults([{"delay": 3.0}])
    await answer(graph, "j", ANSWER, context)
    state = await state_of(graph, "j")
    assert state.last_decision is not None
    assert state.last_decision.source == "rules"
    assert state.last_decision.reason.startswith("LLM judge timed out after 0.3s; rules:")
    assert state.last_decision.action == "follow_up"  # what the rules say for this answer


async def test_with_rules_one_llm_round_trip_per_turn(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq")
    await _at_first_technical_question(graph, context)
    stub.reset()
    await answer(graph, "j", ANSWER, context)
    assert len(stub.stats["per_request"]) == 1
