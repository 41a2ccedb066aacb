"""Logs a machine can read: INTERVIEWER_LOG_FORMAT=json, and the request id that ties a
request's lines together.

* `RequestLog`, an ASGI middleware, gives every request an id (the caller's `X-Request-ID` when
  it is sane, else a new one), returns it in the `X-Request-ID` header, and with JSON logs
  writes one line per request when its response ends: request id, method, route, session id,
  status, duration.
* The id lives in a context variable for the request's whole life, the turn it starts
  included (a task copies the context it was created in), so the turn's own line
  (`api.metrics.TurnClock`) and any error logged meanwhile carry it too (`RequestIdFilter`).
* `JsonFormatter` writes each record as one JSON object per line, its `extra` fields included.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
"""An incoming id we repeat: short, printable, no spaces or quotes (else a new one is made)."""

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

request_logger = logging.getLogger("api.requests")

# Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
}


def new_request_id(incoming: str | None) -> str:
    """The caller's id when it is sane, else a fresh one."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record logged while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and every `extra` field."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestLog:
    """The request id on every request and response; one log line per request if `log`."""

    def __init__(self, app: ASGIApp, log: bool) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None
        )
        rid = new_request_id(incoming)
        token = request_id.set(rid)
        started = time.monotonic()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log:
                self._log(scope, rid, status or 500, time.monotonic() - started)
            request_id.reset(token)

    @staticmethod
    def _log(scope: Scope, rid: str, status: int, seconds: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or scope["path"]
        session_id = (scope.get("path_params") or {}).get("session_id")
        request_logger.info(
            "%s %s %d in %.0f ms",
            scope["method"],
            scope["path"],
            status,
            seconds * 1000,
            extra={
                "event": "request",
                "request_id": rid,
                "method": scope["method"],
                "route": template,
                "path": scope["path"],
                "session_id": session_id,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
