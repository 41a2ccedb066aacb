"""Turn events to HTTP: plain text (the documented clients) or SSE (typed events).

The response is only returned once the turn has produced its first token, so an error before the
first byte is a real HTTP status; after it, SSE clients get an `error` event and plain-text
clients see the stream end (the turn is not committed, so the same message can be sent again).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import HTTPException, Request
from fastapi.responses import StreamingResponse
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from api.interviews import Turn, TurnEvent

PLAIN_TEXT = "text/plain; charset=utf-8"
PING_SECONDS = 15


def wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def _until_first_token(turn: Turn) -> tuple[list[TurnEvent], bool]:
    """Events up to and including the first token (or the end); whether the turn failed."""
    head: list[TurnEvent] = []
    async for event in turn.stream():
        if event.kind == "error":
            raise _http_error(event)
        head.append(event)
        if event.kind in ("token", "done"):
            return head, False
    return head, True


def _http_error(event: TurnEvent) -> HTTPException:
    code = event.data.get("code", "turn_failed")
    headers = {"X-Error-Code": code}
    if code.startswith("llm_"):
        headers["Retry-After"] = "5"
    return HTTPException(
        status_code=503,
        detail=event.data.get("message", "The turn failed; send the same message again."),
        headers=headers,
    )


async def stream_turn(request: Request, turn: Turn) -> Response:
    """The HTTP response for a turn, in the format the client asked for."""
    head, _ = await _until_first_token(turn)
    if wants_sse(request):
        return EventSourceResponse(_sse(head, turn), ping=PING_SECONDS)
    return StreamingResponse(_text(head, turn), media_type=PLAIN_TEXT)


async def _all(head: list[TurnEvent], turn: Turn) -> AsyncIterator[TurnEvent]:
    for event in head:
        yield event
    async for event in turn.stream():
        yield event


async def _text(head: list[TurnEvent], turn: Turn) -> AsyncIterator[str]:
    async for event in _all(head, turn):
        if event.kind == "token":
            yield event.data["text"]


async def _sse(head: list[TurnEvent], turn: Turn) -> AsyncIterator[ServerSentEvent]:
    async for event in _all(head, turn):
        yield ServerSentEvent(data=json.dumps(event.data), event=event.kind)
