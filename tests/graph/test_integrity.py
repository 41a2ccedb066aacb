"""Integrity signals through the whole graph: kept with the answer, never counted as cheating,
and a depth probe after a mostly pasted or implausibly fast answer (offline model, SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from devkit.graph_driver import TurnResult, answer, run_turn, start, state_of
from graph.context import Context
from graph.graph import InterviewGraph, build_graph
from graph.integrity import ClientSignals, probe_outcomes
from graph.state import LABEL_KEY, InterviewSettings

OFFLINE = Context(llm="offline")
PASTED = (
    "I would denormalize a read-heavy reporting schema by copying the customer name into the "
    "orders table, which saves a join on every dashboard query; the risks are update anomalies, "
    "since the copy can drift from its source, and more storage, so I would keep it in sync "
    "with a trigger and check it with a nightly reconciliation job."
)
SETTINGS = InterviewSettings(behavioral_questions=0, technical_questions=2, skills=["postgresql"])


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[InterviewGraph]:
    conn = await aiosqlite.connect(str(tmp_path / "c.sqlite"))
    saver = AsyncSqliteSaver(conn)
    await saver.setup()
    yield build_graph(checkpointer=saver)
    await conn.close()


def pasted_signals(text: str = PASTED) -> dict[str, Any]:
    return {
        "first_key_ms": 3000,
        "typing_ms": 400,
        "keystrokes": 2,
        "pastes": [{"length": len(text), "at_ms": 3000}],
    }


def typed_signals(text: str, seconds: float = 100) -> dict[str, Any]:
    return {"first_key_ms": 2000, "typing_ms": int(seconds * 1000) - 3000, "keystrokes": len(text)}


async def send(
    graph: InterviewGraph,
    message: str,
    signals: dict[str, Any] | None = None,
    after: float = 0.0,
    context: Context = OFFLINE,
) -> TurnResult:
    """The candidate's message as the API resumes the graph: its signals and arrival time."""
    payload: dict[str, Any] = {"type": "user", "message": message}
    payload["received_at"] = (datetime.now(UTC) + timedelta(seconds=after)).isoformat()
    if signals is not None:
        payload["signals"] = signals
    return await run_turn(graph, "t", Command(resume=payload), context)


async def to_technical(graph: InterviewGraph, context: Context = OFFLINE) -> None:
    await start(graph, "t", SETTINGS, context)
    await answer(graph, "t", "My name is Ana Lopez.", context)
    await answer(graph, "t", "I like building reliable data systems for real users.", context)
    assert (await state_of(graph, "t")).stage == "technical"


async def test_signals_are_kept_with_the_answer_through_the_checkpoint(
    graph: InterviewGraph,
) -> None:
    await to_technical(graph)
    await send(graph, PASTED, pasted_signals(), after=4)
    state = await state_of(graph, "t")
    kept = state.answer_signals[-1]
    assert isinstance(kept.client, ClientSignals)
    assert kept.client.pastes[0].length == len(PASTED)
    assert kept.pasted_share == 1.0 and kept.screening == "answer"
    assert state.messages[kept.message_index].content == PASTED
    assert kept.seconds_to_answer is not None and 3.5 <= kept.seconds_to_answer <= 10
    assert "mostly_pasted" in kept.flags and "implausibly_fast" in kept.flags
    assert state.potential_cheat_attempts == 0 and state.cheat_events == []


async def test_a_mostly_pasted_answer_is_followed_by_a_depth_probe_on_part_of_it(
    graph: InterviewGraph,
) -> None:
    await to_technical(graph)
    reply = await send(graph, PASTED, pasted_signals(), after=4)
    state = await state_of(graph, "t")
    probe = state.depth_probes[-1]
    assert probe.phrase and probe.phrase in PASTED
    assert f"\u201c{probe.phrase}\u201d" in reply.text and "your own words" in reply.text
    label = state.messages[-1].additional_kwargs[LABEL_KEY]
    assert label["kind"] == "follow_up" and label["depth_probe"] is True
    assert state.follow_ups == 1 and state.questions_asked == 1
    assert state.last_decision is not None and state.last_decision.reason.startswith("depth_probe")
    own = "A materialized view stores the query's result so reads skip the expensive joins."
    await send(graph, own, typed_signals(own, 60), after=60)
    [outcome] = probe_outcomes(await state_of(graph, "t"))
    assert (outcome.original_answer, outcome.answer) == (PASTED, own)


async def test_a_typed_answer_at_a_human_pace_gets_no_probe(graph: InterviewGraph) -> None:
    await to_technical(graph)
    await send(graph, PASTED, typed_signals(PASTED), after=100)
    state = await state_of(graph, "t")
    assert state.answer_signals[-1].flags == []
    assert state.answer_signals[-1].pasted_share == 0.0
    assert state.depth_probes == []
    assert "depth_probe" not in state.messages[-1].additional_kwargs[LABEL_KEY]


async def test_an_answer_without_signals_follows_the_policy_as_before(
    graph: InterviewGraph, tmp_path: Path
) -> None:
    await to_technical(graph)
    await answer(graph, "t", PASTED, OFFLINE)
    state = await state_of(graph, "t")
    assert state.depth_probes == [] and state.probe is None
    assert state.last_decision is not None and state.last_decision.kind == "deeper"
    # Still measured on the server: evidence only.
    assert "implausibly_fast" in state.answer_signals[-1].flags
    assert state.answer_signals[-1].client is None


async def test_no_depth_probe_past_the_follow_up_budget(graph: InterviewGraph) -> None:
    no_follow_ups = Context(llm="offline", max_follow_ups=0)
    await to_technical(graph, no_follow_ups)
    await send(graph, PASTED, pasted_signals(), after=4, context=no_follow_ups)
    state = await state_of(graph, "t")
    assert state.depth_probes == [] and state.questions_asked == 2


async def test_depth_probes_can_be_switched_off(graph: InterviewGraph) -> None:
    off = Context(llm="offline", integrity_depth_probes=False)
    await to_technical(graph, off)
    await send(graph, PASTED, pasted_signals(), after=4, context=off)
    state = await state_of(graph, "t")
    assert state.depth_probes == [] and "mostly_pasted" in state.answer_signals[-1].flags


async def test_one_depth_probe_per_question(graph: InterviewGraph) -> None:
    await to_technical(graph)
    await send(graph, PASTED, pasted_signals(), after=4)
    again = PASTED.replace("PostgreSQL", "the database")
    await send(graph, again, pasted_signals(again), after=4)
    state = await state_of(graph, "t")
    assert len(state.depth_probes) == 1


async def test_a_late_answer_is_kept_and_labelled_late(graph: InterviewGraph) -> None:
    limited = SETTINGS.model_copy(update={"answer_time_limit_seconds": 30})
    await start(graph, "t", limited, OFFLINE)
    await send(graph, "My name is Ana Lopez.", after=45)
    state = await state_of(graph, "t")
    label = state.messages[-2].additional_kwargs[LABEL_KEY]
    assert label["late"] is True and state.candidate_name == "Ana Lopez"
    assert state.answer_signals[-1].late and "late" in state.answer_signals[-1].flags
    await send(graph, "I like building reliable data systems for real users.", after=5)
    state = await state_of(graph, "t")
    assert "late" not in state.messages[-2].additional_kwargs[LABEL_KEY]


async def test_the_report_lists_the_signals_and_the_probe_beside_the_original(
    graph: InterviewGraph,
) -> None:
    from graph.evaluation.graph import evaluation_graph, evaluation_input

    await to_technical(graph)
    await send(graph, PASTED, pasted_signals(), after=4)
    own = "A materialized view stores the query's result so reads skip the expensive joins."
    await send(graph, own, typed_signals(own, 60), after=60)
    await answer(graph, "t", "end_interview", OFFLINE, kind="system")
    state = await state_of(graph, "t")
    result = await evaluation_graph.ainvoke(evaluation_input(state, "t"), context=OFFLINE)
    integrity = result["report"].integrity
    assert integrity.potential_cheat_attempts == 0
    assert integrity.signals_summary.startswith("1 of 4 answers mostly pasted")
    assert [a.message_index for a in integrity.answer_signals] == [
        a.message_index for a in state.answer_signals
    ]
    [probe] = integrity.depth_probes
    assert (probe.original_answer, probe.answer) == (PASTED, own)
    markdown = result["markdown"]
    assert "Depth probe on question 1" in markdown and own in markdown
