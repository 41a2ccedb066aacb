"""Every main question gets a rubric when it is asked, stored with it in the state: the bank's,
the LLM's (Groq: one structured-output call, through the real client against the loopback
Groq-protocol server), or one derived offline from the question and the skill's concepts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from devkit.graph_driver import answer, start, state_of
from devkit.groq_server import GroqStubServer, StubConfig
from graph.context import Context
from graph.graph import InterviewGraph, build_graph
from graph.language.rubrics import Rubric, bank_rubric
from graph.state import InterviewSettings

WRITTEN = {
    "concepts": [
        {"name": "connection pooling", "aliases": ["pgbouncer", "pool size", "pooler"]},
        {"name": "read replicas", "aliases": ["replica", "replication lag"]},
    ],
    "anchors": {
        "weak": "Says to add more servers.",
        "adequate": "Pools connections and moves reads to a replica.",
        "strong": "Sizes the pool, routes reads to replicas and handles replication lag.",
    },
    "neighbours": [{"name": "indexes", "aliases": ["b-tree"]}],
}
SETTINGS = InterviewSettings(
    behavioral_questions=0, technical_questions=1, skills=["postgresql"], candidate_name="Ana"
)


@pytest.fixture
async def groq_graph(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[InterviewGraph, GroqStubServer]]:
    with GroqStubServer(StubConfig(reply_words=12)) as stub:
        monkeypatch.setenv("GROQ_API_KEY", "test-key")
        monkeypatch.setenv("GROQ_API_BASE", stub.base_url)
        yield build_graph(checkpointer=InMemorySaver()), stub


async def test_groq_writes_the_rubric_of_its_own_question_in_one_structured_call(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq")
    await start(graph, "r", SETTINGS, context)
    stub.add_structured_replies([{"arguments": WRITTEN}])
    before = stub.stats["requests"]
    await answer(graph, "r", "I enjoy building reliable backend systems for real users.", context)
    # The question's reply, then one rubric call.
    assert stub.stats["requests"] - before == 2
    state = await state_of(graph, "r")
    rubric = Rubric.model_validate(state.rubric)
    assert rubric.source == "llm"
    assert [c.name for c in rubric.concepts] == ["connection pooling", "read replicas"]
    assert rubric.question == state.main_question
    # Relevance now reads the LLM's concepts: "pgbouncer" is on topic, whatever the words.
    await answer(
        graph, "r", "I would put pgbouncer in front and cap the pool size per service.", context
    )
    decision = (await state_of(graph, "r")).last_decision
    assert decision is not None and decision.action != "redirect", decision


async def test_a_failed_rubric_call_falls_back_to_a_derived_rubric(
    groq_graph: tuple[InterviewGraph, GroqStubServer],
) -> None:
    graph, stub = groq_graph
    context = Context(llm="groq")
    await start(graph, "f", SETTINGS, context)
    stub.add_structured_replies([{"content": "I would rather not write a rubric."}])
    await answer(graph, "f", "I enjoy building reliable backend systems for real users.", context)
    state = await state_of(graph, "f")
    rubric = Rubric.model_validate(state.rubric)
    assert rubric.source == "derived"
    assert state.stage == "technical" and state.questions_asked == 1


async def test_offline_bank_questions_carry_the_shipped_rubric_custom_ones_a_derived_one() -> None:
    graph = build_graph(checkpointer=InMemorySaver())
    context = Context(llm="offline")
    settings = InterviewSettings(
        behavioral_questions=0,
        technical_questions=1,
        skills=["sql"],
        custom_questions=["How would you migrate our billing tables to PostgreSQL?"],
        candidate_name="Ana",
    )
    await start(graph, "o", settings, context)
    await answer(graph, "o", "I enjoy building reliable backend systems for real users.", context)
    state = await state_of(graph, "o")
    assert bank_rubric(state.main_question) is not None
    assert Rubric.model_validate(state.rubric) == bank_rubric(state.main_question)
    while state.stage != "custom":
        await answer(graph, "o", "I'd add a covering index and read the query plan first.", context)
        state = await state_of(graph, "o")
    rubric = Rubric.model_validate(state.rubric)
    assert rubric.source == "derived"
    assert {"billing", "tables", "postgresql"} <= {c.name for c in rubric.concepts}
