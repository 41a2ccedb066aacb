"""Drive the interview graph turn by turn, as the API does, and collect what was said."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langgraph.types import Command

from api.sessions.threads import session_seed
from graph.context import Context
from graph.graph import InterviewGraph
from graph.state import InterviewSettings, State


@dataclass
class TurnResult:
    text: str
    flags: list[dict[str, Any]] = field(default_factory=list)


async def run_turn(
    graph: InterviewGraph, thread_id: str, graph_input: Any, context: Context
) -> TurnResult:
    result = TurnResult(text="")
    async for chunk in graph.astream(
        graph_input,
        {"configurable": {"thread_id": thread_id}},
        context=context,
        stream_mode="custom",
        durability="exit",
    ):
        if chunk["event"] == "token":
            result.text += chunk["text"]
        elif chunk["event"] == "flag":
            result.flags.append(chunk)
    return result


async def start(
    graph: InterviewGraph, thread_id: str, settings: InterviewSettings, context: Context
) -> TurnResult:
    """Start an interview on `thread_id`, seeded as the API seeds a session of that id."""
    graph_input = {"settings": settings, "seed": session_seed(thread_id)}
    return await run_turn(graph, thread_id, graph_input, context)


async def answer(
    graph: InterviewGraph, thread_id: str, message: str, context: Context, kind: str = "user"
) -> TurnResult:
    return await run_turn(
        graph, thread_id, Command(resume={"type": kind, "message": message}), context
    )


async def state_of(graph: InterviewGraph, thread_id: str) -> State:
    snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return State(**snapshot.values)
