"""The request guard: what every request body goes through before FastAPI sees it.

An ASGI middleware, because FastAPI reads the whole body before it resolves any dependency:

1. **Authentication first.** With access control on, the bearer token of a request that carries
   a body is checked before one byte of that body is read; the caller found is handed to the
   route's dependencies (no second lookup).
2. **A body cap per route**, enforced while reading: a `Content-Length` over the cap is refused
   at once, a chunked body as soon as it passes the cap, both with 413 and `Connection: close`
   (the rest of the body is never read, so the connection cannot be reused).
3. **JSON that Python accepts but nothing else should**: `NaN`, `Infinity`, numbers that
   overflow to infinity (`1e999`), lone surrogates (`"\\ud800"`), invalid UTF-8 and nesting
   deeper than any of our bodies are a 422 naming the field, instead of a crash further in.

Syntax errors and schema violations are left to FastAPI (and to `validation_error` below, which
answers them without echoing the rejected input back).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ERRORS

MAX_JSON_DEPTH = 16
"""Our deepest body is 2 levels (`custom_questions` in the settings); 16 leaves room."""

EXCERPT_CHARS = 40
"""How much of a rejected value an error repeats: enough to recognise it, never the whole."""

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Authenticate = Callable[[Request], Awaitable[Any]]


@dataclass(frozen=True)
class BodyLimits:
    """The largest body, in bytes, each route accepts."""

    by_route: Mapping[str, int]
    """First path segment (e.g. "chat") -> cap."""
    default: int

    def for_path(self, path: str) -> int:
        first = path.strip("/").split("/", 1)[0]
        return self.by_route.get(first, self.default)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class BadJson(Exception):
    """JSON that parses in Python but that no field of ours may hold."""

    def __init__(self, loc: tuple[str | int, ...], msg: str, excerpt: str | None = None) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg
        self.excerpt = excerpt


class RequestGuard:
    """See the module docstring. `authenticate` is None when access control is off."""

    def __init__(
        self,
        app: ASGIApp,
        limits: BodyLimits,
        authenticate: Authenticate | None = None,
        public_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.limits = limits
        self.authenticate = authenticate
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        announces_body = "transfer-encoding" in headers or headers.get("content-length") not in (
            None,
            "0",
        )
        if self.authenticate is not None and scope["path"] not in self.public_paths:
            try:
                principal = await self.authenticate(Request(scope))
            except HTTPException as exc:
                await _http_error(exc, close=announces_body)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        limit = self.limits.for_path(scope["path"])
        try:
            declared = int(headers.get("content-length", "0"))
        except ValueError:
            declared = 0  # the server itself rejects a malformed Content-Length
        try:
            if declared > limit:
                raise BodyTooLarge(limit)
            body = await _read_body(receive, limit)
            if body and _is_json(headers.get("content-type")):
                check_json(body)
        except BodyTooLarge as exc:
            await ERRORS["body_too_large"].response(limit=exc.limit)(scope, receive, send)
            return
        except BadJson as exc:
            error: dict[str, Any] = {"type": "value_error", "loc": list(exc.loc), "msg": exc.msg}
            if exc.excerpt is not None:
                error["input"] = exc.excerpt
            invalid = JSONResponse(
                status_code=ERRORS["invalid_body"].status, content={"detail": [error]}
            )
            await invalid(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _http_error(exc: HTTPException, *, close: bool) -> JSONResponse:
    headers = dict(exc.headers or {})
    if close:
        # The body was never read; the connection cannot carry another request.
        headers["Connection"] = "close"
    return JSONResponse(
        status_code=exc.status_code, content={"detail": exc.detail}, headers=headers
    )


async def _read_body(receive: Receive, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the route sees an empty body and the disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then the client's own messages (the disconnect a stream listens for)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _is_json(content_type: str | None) -> bool:
    # The same rule as FastAPI's: no content type, or application/json or application/*+json.
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def check_json(body: bytes) -> None:
    """Raise BadJson for a body no field of ours may hold; syntax errors are left to FastAPI."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(("body",), f"The body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        value = json.loads(text, parse_constant=_NonFinite)
    except json.JSONDecodeError:
        return  # FastAPI answers it with a 422 of its own
    except RecursionError:
        raise BadJson(
            ("body",), f"The body is nested deeper than {MAX_JSON_DEPTH} levels."
        ) from None
    _walk(value, ("body",), 0)


class _NonFinite(float):
    """NaN / Infinity / -Infinity as parsed, remembered by name for the error message."""

    def __new__(cls, name: str) -> _NonFinite:
        made = super().__new__(cls, name.replace("Infinity", "inf"))
        made.name = name
        return made

    name: str


def _walk(value: Any, loc: tuple[str | int, ...], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise BadJson(loc, f"The body is nested deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, float) and not math.isfinite(value):
        shown = value.name if isinstance(value, _NonFinite) else "a number too large for a float"
        raise BadJson(loc, "Input should be a finite number.", shown)
    if isinstance(value, str):
        _check_text(value, loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, loc)
            _walk(item, (*loc, excerpt(key)), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*loc, index), depth + 1)


def _check_text(text: str, loc: tuple[str | int, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadJson(
            loc,
            f"Input contains a lone surrogate (\\u{ord(text[exc.start]):04x}), "
            "which is not a character.",
            excerpt(text),
        ) from None


def excerpt(value: Any) -> Any:
    """A short, always-encodable excerpt of a rejected input, for an error body."""
    if isinstance(value, str):
        short = value[:EXCERPT_CHARS] + ("…" if len(value) > EXCERPT_CHARS else "")
        return short.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value if not isinstance(value, int) or abs(value) < 10**15 else excerpt(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return "{…}" if value else {}
    if isinstance(value, list):
        return "[…]" if value else []
    return excerpt(str(value))


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """422 for a body FastAPI rejects: each error names its field, with a short excerpt only.

    FastAPI's own handler echoes the whole rejected input back: a 5 MB message made a 5 MB
    error body, and an input JSON cannot encode made the handler itself crash.
    """
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        item: dict[str, Any] = {
            "type": error.get("type", "value_error"),
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg", ""),
        }
        if "input" in error:
            item["input"] = excerpt(error["input"])
        errors.append(item)
    return JSONResponse(
        status_code=ERRORS["invalid_body"].status, content=jsonable_encoder({"detail": errors})
    )
