"""The interview state machine, assembled.

`graph` is compiled without a checkpointer for `langgraph.json` (LangGraph Studio and the
LangGraph API server bring their own persistence); the HTTP API compiles its own copy with the
SQLite saver through `build_graph(checkpointer=...)`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Self, TypeVar, cast, get_args, get_type_hints

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph import nodes, stages
from graph.context import Context
from graph.nodes import (
    answer_process_request,
    ask_follow_up,
    ask_personal_question,
    begin_interview,
    close_interview,
    decide_follow_up,
    detect_cheating,
    greet_candidate,
    nudge_candidate,
    record_name,
    redirect_candidate,
    run_admin_command,
    wait_for_candidate,
    warn_candidate,
)
from graph.routing import (
    route_after_admin,
    route_after_decision,
    route_after_screening,
    route_input,
)
from graph.state import InputState, State


class InterviewGraph(CompiledStateGraph[State, Context, InputState, State]):
    """The compiled interview graph, whose copies keep our types registered for strict msgpack.

    With LANGGRAPH_STRICT_MSGPACK on, `compile()` derives a msgpack allowlist from the state's
    schemas (our Pydantic models) and applies it to whatever saver runs the graph. langgraph 1.2's
    `Pregel.copy()` rebuilds the graph through `__init__`, which resets that allowlist, and the
    LangGraph API server (`langgraph dev`, Studio) copies the graph with its own saver for every
    request: its checkpoints then block our models ("Blocked deserialization of
    graph.state.CandidateInput") and hand them back as dicts. Carrying the allowlist over keeps
    the server as strict as the API, no stricter and no looser.
    """

    def copy(self, update: dict[str, Any] | None = None) -> Self:
        clone = super().copy(update)
        clone._serde_allowlist = self._serde_allowlist
        return clone


Route = TypeVar("Route", bound=str)


def _inline(route: Callable[[State], Route]) -> Callable[[State], Awaitable[Route]]:
    """Run a pure routing function on the event loop.

    LangGraph sends a plain `def` to a thread pool when the graph runs async: a thread hop per
    routing decision, per turn, for a function that only reads the state. The wrapper keeps the
    function's `Literal` return annotation, from which LangGraph draws the possible edges.
    """

    @functools.wraps(route)
    async def run(state: State) -> Route:
        return route(state)

    return run


def _question_nodes() -> list[str]:
    """The nodes that ask main questions: `ask_question`, and the node of every stage that
    speaks differently (graph/stages.py), each a function of graph/nodes.py."""
    return list(dict.fromkeys(row.node for row in stages.main_stages() if row.node))


def _destinations(route: Callable[[State], str]) -> list[str]:
    """Where `route` may go: its `Literal`, and every question node when it may ask the next
    main question (a stage's own node goes in `QuestionNode` too; listing them here keeps the
    graph whole for a row added at run time)."""
    declared = list(get_args(get_type_hints(route)["return"]))
    if set(declared) & set(get_args(stages.QuestionNode)):
        declared += [name for name in _question_nodes() if name not in declared]
    return declared


def build_graph(checkpointer: BaseCheckpointSaver[str] | None = None) -> InterviewGraph:
    """Build the interview graph; pass a checkpointer to persist interviews per thread."""
    builder = StateGraph(State, input_schema=InputState, context_schema=Context)

    builder.add_node(begin_interview)
    builder.add_node(greet_candidate)
    builder.add_node(wait_for_candidate)
    builder.add_node(run_admin_command)
    builder.add_node(detect_cheating)
    builder.add_node(warn_candidate)
    builder.add_node(answer_process_request)
    builder.add_node(nudge_candidate)
    builder.add_node(record_name)
    builder.add_node(ask_personal_question)
    questions = _question_nodes()
    for name in questions:
        builder.add_node(name, getattr(nodes, name))
    builder.add_node(decide_follow_up)
    builder.add_node(ask_follow_up)
    builder.add_node(redirect_candidate)
    builder.add_node(close_interview)

    builder.add_edge(START, "begin_interview")
    builder.add_edge("begin_interview", "greet_candidate")
    builder.add_edge("greet_candidate", "wait_for_candidate")
    builder.add_conditional_edges("wait_for_candidate", _inline(route_input))
    builder.add_conditional_edges("run_admin_command", _inline(route_after_admin))
    builder.add_conditional_edges(
        "detect_cheating",
        _inline(route_after_screening),
        _destinations(route_after_screening),
    )
    builder.add_edge("record_name", "ask_personal_question")
    builder.add_conditional_edges(
        "decide_follow_up", _inline(route_after_decision), _destinations(route_after_decision)
    )
    speakers = (
        "warn_candidate",
        "answer_process_request",
        "nudge_candidate",
        "ask_personal_question",
        *questions,
        "ask_follow_up",
        "redirect_candidate",
    )
    for speaker in speakers:
        builder.add_edge(speaker, "wait_for_candidate")
    builder.add_edge("close_interview", END)

    compiled = builder.compile(checkpointer=checkpointer, name="Interviewer")
    # Same object and state, only `copy` differs: compile() always builds the base class.
    compiled.__class__ = InterviewGraph
    return cast(InterviewGraph, compiled)


graph = build_graph()
