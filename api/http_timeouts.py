"""Read timeouts on the server's connections: a slow or half-sent request is answered 408 and
closed, and logged, instead of holding a connection (and a file descriptor) for ever.

uvicorn times out an idle keep-alive connection only after a response, never while a request
is arriving: 300 half-sent requests held for 40 s were never closed, and 1,100 of them used up
the file limit and starved new clients (issue 22, break 7). Authentication cannot help, since it
runs after the headers. This is uvicorn's httptools protocol (what `uvicorn[standard]` serves
with) with two deadlines:

* **headers**: from the moment a connection opens, or a request's first byte arrives on a kept
  connection, its whole header block must arrive within `header_timeout` seconds;
* **body**: once the headers are in, the whole body must arrive within `body_timeout` seconds
  (a trickle of one byte at a time does not keep it alive).

`python -m api` serves with `TimedHttpProtocol` (its timeouts from the settings, which every
worker reads from the same environment); an in-process server passes `timed_protocol(...)`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.config import Settings, get_settings
from api.errors import ERRORS
from api.metrics import SLOW_REQUESTS_CLOSED

logger = logging.getLogger("api.http")

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: application/json\r\n"
    b"x-error-code: request_timeout\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


def _timeout_response(what: str, seconds: float) -> bytes:
    detail = ERRORS["request_timeout"].detail(detail=what, limit=f"{seconds:g}")
    payload = json.dumps({"detail": detail}).encode()
    return _REQUEST_TIMEOUT % (len(payload), payload)


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read deadlines (module docstring)."""

    header_timeout: ClassVar[float | None] = None
    body_timeout: ClassVar[float | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.header_timeout is None or self.body_timeout is None:
            settings = get_settings()
            self._header_seconds = settings.header_timeout_seconds
            self._body_seconds = settings.body_timeout_seconds
        else:
            self._header_seconds = self.header_timeout
            self._body_seconds = self.body_timeout
        self._read_deadline: asyncio.TimerHandle | None = None

    # --- the deadlines ----------------------------------------------------------------------

    def _arm(self, part: str, seconds: float) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(seconds, self._expire, part, seconds)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _expire(self, part: str, seconds: float) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if part == "body" and (self.cycle is None or self.cycle.response_started):
            # The app answered without waiting for the rest (a 413, say): not ours to cut.
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        logger.warning(
            "closed the connection of %s: the request %s did not arrive within %gs",
            client,
            part,
            seconds,
        )
        SLOW_REQUESTS_CLOSED.labels(part).inc()
        if self.cycle is not None and not self.cycle.response_complete:
            # The app (reading the body) sees a disconnect; whatever it answers is dropped.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.write(_timeout_response(part, seconds))
        self.transport.close()

    # --- uvicorn's hooks --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("headers", self._header_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._read_deadline is None:  # a kept connection's next request: its own deadline
            self._arm("headers", self._header_seconds)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._arm("body", self._body_seconds)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()


def timed_protocol(settings: Settings) -> type[TimedHttpProtocol]:
    """The protocol with `settings`' timeouts (for a server in this process)."""
    return type(
        "TimedHttpProtocol",
        (TimedHttpProtocol,),
        {
            "header_timeout": settings.header_timeout_seconds,
            "body_timeout": settings.body_timeout_seconds,
        },
    )
