"""Turn events to HTTP: plain text (the documented clients) or SSE (typed events).

The response is only returned once the turn has produced its first token, so an error before the
first byte is a real HTTP status; after it, SSE clients get an `error` event and a plain-text
response is aborted: the connection is closed without the chunked encoding's last chunk, so an
HTTP client (requests, axios, httpx) raises instead of taking a truncated reply for a whole one.
Either way the turn is not committed, so the same message can be sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import anyio
from fastapi import Request
from fastapi.responses import StreamingResponse
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from api.errors import error_headers, http_error
from api.interviews import Turn
from graph.events import TurnEvent, sse_data

__all__ = ["error_headers", "http_error", "stream_turn", "wants_sse"]

PLAIN_TEXT = "text/plain; charset=utf-8"
PING_SECONDS = 15
SSE_CLOSE_SECONDS = 3.0
"""After the grace, time for a cancelled turn's `error` event to reach the client."""


def wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def _until_first_token(turn: Turn) -> tuple[list[TurnEvent], bool]:
    """Events up to and including the first token (or the end); whether the turn failed."""
    head: list[TurnEvent] = []
    async for event in turn.stream():
        if event["event"] == "error":
            raise http_error(event)
        head.append(event)
        if event["event"] in ("token", "done"):
            return head, False
    return head, True


class TurnAborted(Exception):
    """A plain-text reply failed after its first byte: the response must not end cleanly."""


class _QuietAborts(logging.Filter):
    # The turn's failure is logged where it happened; the server's traceback for the abort
    # we raise on purpose would only be noise.
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, TurnAborted):
                return False
            group = exc.exceptions if isinstance(exc, BaseExceptionGroup) else ()
            exc = group[0] if len(group) == 1 else None
        return True


def quiet_aborted_turns() -> None:
    """Keep uvicorn from logging a traceback for each aborted plain-text reply."""
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietAborts) for f in server_log.filters):
        server_log.addFilter(_QuietAborts())


async def stream_turn(request: Request, turn: Turn) -> Response:
    """The HTTP response for a turn, in the format the client asked for."""
    head, _ = await _until_first_token(turn)
    if wants_sse(request):
        grace: float = request.app.state.settings.shutdown_grace_seconds
        shutdown = anyio.Event()
        return EventSourceResponse(
            _sse(head, turn, shutdown, grace),
            ping=PING_SECONDS,
            # On SIGTERM sse-starlette sets `shutdown` and, by default, cuts the stream at
            # once; ours goes on to the turn's end (or its error event) within the grace.
            shutdown_event=shutdown,
            shutdown_grace_period=grace + SSE_CLOSE_SECONDS,
        )
    return StreamingResponse(_text(head, turn), media_type=PLAIN_TEXT)


async def _all(head: list[TurnEvent], turn: Turn) -> AsyncIterator[TurnEvent]:
    for event in head:
        yield event
    async for event in turn.stream():
        yield event


async def _text(head: list[TurnEvent], turn: Turn) -> AsyncIterator[str]:
    async for event in _all(head, turn):
        if event["event"] == "token":
            yield event["text"]
        elif event["event"] == "error":
            # Raised after the response started, this makes the server drop the connection
            # without the terminating chunk (the ASGI way to abort a response).
            raise TurnAborted(event["code"])


async def _sse(
    head: list[TurnEvent], turn: Turn, shutdown: anyio.Event, grace: float
) -> AsyncIterator[ServerSentEvent]:
    stopper = asyncio.create_task(_stop_at_end_of_grace(turn, shutdown, grace))
    try:
        async for event in _all(head, turn):
            yield ServerSentEvent(data=sse_data(event), event=event["event"])
    finally:
        stopper.cancel()


async def _stop_at_end_of_grace(turn: Turn, shutdown: anyio.Event, grace: float) -> None:
    """When the server stops: let the turn finish within the grace, else cancel it.

    A cancelled turn commits nothing and ends its stream with an `error` event
    (`shutting_down`), so an SSE client never sees a reply cut without a word, and never sends
    again an answer that was in fact recorded.
    """
    await shutdown.wait()
    await asyncio.sleep(grace)
    if turn.task is not None and not turn.task.done():
        turn.task.cancel()
