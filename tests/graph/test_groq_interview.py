"""A whole interview on the Groq path: the real ChatGroq client against the loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from devkit.candidate import is_final, reply_to
from devkit.graph_driver import answer, start, state_of
from devkit.groq_server import GroqStubServer, StubConfig
from graph.context import Context
from graph.graph import InterviewGraph, build_graph
from graph.state import InterviewSettings


@pytest.fixture
async def groq_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[InterviewGraph, GroqStubServer]]:
    with GroqStubServer(StubConfig(reply_words=25)) as stub:
        monkeypatch.setenv("GROQ_API_KEY", "test-key")
        monkeypatch.setenv("GROQ_API_BASE", stub.base_url)
        async with aiosqlite.connect(str(tmp_path / "db.sqlite")) as conn:
            saver = AsyncSqliteSaver(conn)
            yield build_graph(checkpointer=saver), stub


async def test_groq_interview_keeps_counts_and_sends_bounded_prompts(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    settings = InterviewSettings(
        technical_questions=3,
        behavioral_questions=2,
        custom_questions=["Why us?"],
        skills=["python"],
        candidate_name="Ana",
    )
    context = Context(llm="groq", max_follow_ups=1)
    text = (await start(graph, "g", settings, context)).text
    turn = 0
    while not is_final(text):
        text = (await answer(graph, "g", reply_to(text, turn), context)).text
        turn += 1
        assert turn < 40
    state = await state_of(graph, "g")
    assert state.questions_asked == 6 and state.stage == "done"
    assert text.endswith("End of interview.")
    per_request = stub.stats["per_request"]
    # One LLM request per interviewer reply, and one structured call per main question for its
    # rubric (the stub's questions are not in the bank; issue 18): nothing else talks to it.
    streamed = [r for r in per_request if r["stream"]]
    assert len(streamed) == len([m for m in state.messages if m.type == "ai"])
    assert len(per_request) - len(streamed) == state.questions_asked
    prompt_tokens = [r["prompt_tokens"] for r in streamed]
    # Prompts carry the task, not the transcript: the last is not much longer than the first.
    assert max(prompt_tokens) < 2 * min(prompt_tokens) + 400


async def test_groq_rate_limit_is_retried_inside_one_turn(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    stub.add_faults([{"status": 429, "retry_after": 0.1}])
    text = (await start(graph, "g", InterviewSettings(), Context(llm="groq"))).text
    assert text
    assert stub.stats["requests"] == 2


async def test_groq_server_error_surfaces_from_the_turn(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    import groq

    graph, stub = groq_graph
    stub.add_faults([{"status": 500}])
    with pytest.raises(groq.InternalServerError):
        await start(graph, "g", InterviewSettings(), Context(llm="groq", groq_max_retries=0))
