"""What the interview graph writes to its custom stream is exactly the graph events of
graph/events.py: a token or a flag, with the keys and types their TypedDicts declare."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command
from pydantic import TypeAdapter

from graph.context import Context
from graph.events import FlagEvent, GraphEvent, TokenEvent
from graph.graph import InterviewGraph, build_graph
from graph.state import InterviewSettings
from graph.text import END_MARKER
from tests.support.server import CHEAT_MESSAGE, SUBSTANTIVE_ANSWER

OFFLINE = Context(llm="offline")
SETTINGS = InterviewSettings(behavioral_questions=1, technical_questions=1, skills=["python"])
KEYS = {
    "token": set(TokenEvent.__annotations__),
    "flag": set(FlagEvent.__annotations__),
}
GRAPH_EVENT: TypeAdapter[GraphEvent] = TypeAdapter(GraphEvent)


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[InterviewGraph]:
    conn = await aiosqlite.connect(str(tmp_path / "events.sqlite"))
    saver = AsyncSqliteSaver(conn)
    await saver.setup()
    yield build_graph(checkpointer=saver)
    await conn.close()


async def _custom(graph: InterviewGraph, graph_input: Any) -> list[Any]:
    return [
        chunk
        async for chunk in graph.astream(
            graph_input,
            {"configurable": {"thread_id": "events"}},
            context=OFFLINE,
            stream_mode="custom",
            durability="exit",
        )
    ]


async def test_every_custom_stream_chunk_of_an_interview_is_a_typed_graph_event(
    graph: InterviewGraph,
) -> None:
    chunks = await _custom(graph, {"settings": SETTINGS})
    answers = [CHEAT_MESSAGE, *[SUBSTANTIVE_ANSWER] * 12]
    for message in answers:
        text = "".join(c["text"] for c in chunks if c["event"] == "token")
        if text.endswith(END_MARKER):
            break
        chunks = [
            *chunks,
            *await _custom(graph, Command(resume={"type": "user", "message": message})),
        ]
    assert "".join(c["text"] for c in chunks if c["event"] == "token").endswith(END_MARKER)
    assert {c["event"] for c in chunks} == {"token", "flag"}
    for chunk in chunks:
        assert isinstance(chunk, dict)
        assert set(chunk) == KEYS[chunk["event"]], chunk
        assert GRAPH_EVENT.validate_python(chunk, strict=True) == chunk
