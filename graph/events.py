"""The events of a turn's stream: what the interview graph writes to its custom stream and what
the API sends a client, one type each.

They are TypedDicts, not classes, on purpose: an event is a plain JSON object with an `event`
key naming it, everywhere it goes. The graph writes it with `runtime.stream_writer` (so
LangGraph Studio and any other reader of the graph's custom stream see plain JSON), the API
forwards it, stores the non-token ones with a committed turn (an idempotent replay sends them
again) and sends it as SSE: `event: <event>` and `data: <every other key, as JSON>`. The
graph writes `token` and `flag`; the API adds `state`, `end`, `error` and `done`.

docs/API.md ("The streamed replies") documents the SSE form of each.
"""

from __future__ import annotations

import json
from typing import Any, Literal, NotRequired, cast

# typing_extensions' TypedDict: Python 3.11's is not one pydantic can validate against.
from typing_extensions import TypedDict

from graph.language import END_MARKER
from graph.state import CheatEvent, Stage


class TokenEvent(TypedDict):
    """A piece of the interviewer's reply, exactly as the client receives it."""

    event: Literal["token"]
    text: str


class FlagEvent(TypedDict):
    """The cheat detector flagged the candidate's message (a `graph.state.CheatEvent`)."""

    event: Literal["flag"]
    turn: int
    category: str
    rule: str
    excerpt: str
    time: str


class StateEvent(TypedDict):
    """The turn is committed: the session's progress after it."""

    event: Literal["state"]
    stage: Stage
    questions_asked: int
    total_expected_questions: int
    active: bool
    potential_cheat_attempts: int
    process_events: int
    """Process requests (ending early, feedback, the score) and passes: recorded, not cheating."""


class EndEvent(TypedDict):
    """The interview finished with this turn."""

    event: Literal["end"]
    marker: str


class ErrorEvent(TypedDict):
    """The turn failed and is not committed (codes: the error table, api/errors.py)."""

    event: Literal["error"]
    code: str
    message: str
    retryable: NotRequired[bool]
    retry_after: NotRequired[int]
    """Seconds the LLM asked to wait (a rate limit), when it said."""


class DoneEvent(TypedDict):
    """The last event of a successful turn."""

    event: Literal["done"]


GraphEvent = TokenEvent | FlagEvent
"""What the interview graph writes to its custom stream."""

TurnEvent = TokenEvent | FlagEvent | StateEvent | EndEvent | ErrorEvent | DoneEvent
"""What a turn tells its client: the graph's events, then the API's."""


def token(text: str) -> TokenEvent:
    return {"event": "token", "text": text}


def flag(cheat: CheatEvent) -> FlagEvent:
    return {
        "event": "flag",
        "turn": cheat.turn,
        "category": cheat.category,
        "rule": cheat.rule,
        "excerpt": cheat.excerpt,
        "time": cheat.time,
    }


def end() -> EndEvent:
    return {"event": "end", "marker": END_MARKER}


def done() -> DoneEvent:
    return {"event": "done"}


def graph_event(chunk: Any) -> GraphEvent:
    """A chunk of the graph's custom stream as the event it is; anything else the stream may
    carry (a node writing bare text) is taken as text of the reply."""
    if isinstance(chunk, dict):
        if chunk.get("event") == "flag":
            return cast(FlagEvent, {"event": "flag"} | chunk)
        if chunk.get("event") == "token":
            return token(str(chunk.get("text", "")))
    return token(str(chunk))


def sse_data(event: TurnEvent) -> str:
    """The SSE `data` line of an event: its keys but `event`, as JSON."""
    return json.dumps({k: v for k, v in event.items() if k != "event"})
