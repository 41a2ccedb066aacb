"""A lean HTTP/1.1 transport for httpx: the LLM connection without a cost per streamed token.

The groq SDK (and so `ChatGroq`) talks through an `httpx.AsyncClient`; httpx hands the
request to a transport, by default httpcore's. Profiled under load, httpcore was a fifth of the
server's CPU: for every streamed token it wakes a task, opens an anyio cancel scope around a
socket read, runs h11's pure-Python chunk parser and passes the bytes up through half a dozen
generators, because the LLM sends one HTTP chunk per token.

`LeanTransport` implements `httpx.AsyncBaseTransport` on asyncio streams, with httptools (the C
parser uvicorn already uses) decoding the response. Its response bodies yield *what one socket
read brought*, however many HTTP chunks that was, and say so in the response's extensions
(`READS_EXTENSION`), so a reader may wait a little between reads and take several tokens in one
wake-up (`graph/llm/groq/stream.py` does). httpx keeps everything above the transport: the client's
timeouts (passed per request), event hooks, content decoding, and the groq SDK its retries and
error mapping, since failures are raised as the httpx exceptions httpcore would raise.

What it does not do, and where the default transport is used instead (`transport_for`): proxies
(HTTP(S)_PROXY / ALL_PROXY in the environment), HTTP/2, and requests with a body of unknown length
are sent whole (read first, then sent with a Content-Length).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import certifi
import httptools
import httpx

READS_EXTENSION = "lean_http.reads"
"""Present (True) in a response's extensions when each body piece is one socket read."""

READ_SIZE = 65536
MAX_HEAD_BYTES = 65536
"""Status line and headers larger than this are refused (a broken or hostile peer)."""


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float, expiry: float) -> bool:
        return (
            not self.writer.is_closing()
            and not self.reader.at_eof()
            and now - self.idle_since < expiry
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass
class _Parsed:
    """What httptools reported for one response (its callbacks write here)."""

    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    reason: bytes = b""
    head_done: bool = False
    body: list[bytes] = field(default_factory=list)
    complete: bool = False

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        # httptools may split a header across reads; a continuation has an empty name.
        if name or not self.headers:
            self.headers.append((name, value))
        else:
            last_name, last_value = self.headers[-1]
            self.headers[-1] = (last_name, last_value + value)

    def on_headers_complete(self) -> None:
        self.head_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams, with a keep-alive pool per origin (see the module doc)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_keepalive_per_origin: int = 500,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._ssl = ssl_context
        self._max_idle = max_keepalive_per_origin
        self._expiry = keepalive_expiry
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._closed = False

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=certifi.where())
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        payload = await _serialise(request)
        # A pooled connection the server closed meanwhile fails before any byte of the
        # response; that request was never processed, so it is sent once more on a new one.
        for attempt in (0, 1):
            conn, reused = await self._connection(origin, timeouts.get("connect"), request)
            parsed = _Parsed()
            parser = httptools.HttpResponseParser(parsed)
            try:
                await _send(conn, payload, timeouts.get("write"), request)
                await _read_head(conn, parser, parsed, timeouts.get("read"), request)
            except _NothingReceived as exc:
                conn.close()
                if reused and attempt == 0:
                    continue
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from exc
            except BaseException:
                conn.close()
                raise
            return self._response(request, conn, parser, parsed, origin, timeouts)
        raise AssertionError("unreachable")  # pragma: no cover

    def _response(
        self,
        request: httpx.Request,
        conn: _Conn,
        parser: httptools.HttpResponseParser,
        parsed: _Parsed,
        origin: tuple[str, str, int],
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        names = {name.lower() for name, _ in parsed.headers}
        until_close = b"content-length" not in names and b"transfer-encoding" not in names
        # Decided from the head: httptools' should_keep_alive() is reset once the message ends.
        connection = b",".join(v for n, v in parsed.headers if n.lower() == b"connection")
        keep_alive = parser.get_http_version() == "1.1" and b"close" not in connection.lower()
        status = parser.get_status_code()
        no_body = request.method == "HEAD" or status in (204, 304) or 100 <= status < 200
        if no_body:
            # httptools would wait for a HEAD response's announced body: nothing more is read,
            # and the connection is not reused.
            parsed.complete = True
            until_close = False
        body = _Body(
            self,
            conn,
            parser,
            parsed,
            origin,
            timeouts.get("read"),
            request,
            until_close=until_close,
            reusable=keep_alive and request.method != "HEAD",
        )
        return httpx.Response(
            status,
            headers=parsed.headers,
            stream=body,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": parsed.reason,
                READS_EXTENSION: True,
            },
        )

    async def _connection(
        self, origin: tuple[str, str, int], seconds: float | None, request: httpx.Request
    ) -> tuple[_Conn, bool]:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if conn.usable(now, self._expiry):
                return conn, True
            conn.close()
        scheme, host, port = origin
        try:
            async with asyncio.timeout(seconds):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=self._ssl_context() if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                    limit=MAX_HEAD_BYTES,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(
                f"connecting to {host}:{port} timed out", request=request
            ) from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Conn(reader, writer), False

    def _give_back(self, origin: tuple[str, str, int], conn: _Conn) -> None:
        idle = self._idle.setdefault(origin, [])
        if self._closed or len(idle) >= self._max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()


class _NothingReceived(Exception):
    """The connection ended before the first byte of a response."""


async def _serialise(request: httpx.Request) -> bytes:
    body = await request.aread()
    headers = list(request.headers.raw)
    names = {name.lower() for name, _ in headers}
    if b"transfer-encoding" in names:
        # The body was read whole: it goes with its length instead of chunked.
        headers = [(n, v) for n, v in headers if n.lower() != b"transfer-encoding"]
        names.discard(b"transfer-encoding")
    if b"content-length" not in names and (body or request.method in ("POST", "PUT", "PATCH")):
        headers.append((b"Content-Length", str(len(body)).encode()))
    target = request.url.raw_path
    lines = [request.method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    lines.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def _send(conn: _Conn, payload: bytes, seconds: float | None, request: httpx.Request) -> None:
    try:
        conn.writer.write(payload)
        async with asyncio.timeout(seconds):
            await conn.writer.drain()
    except TimeoutError as exc:
        raise httpx.WriteTimeout("sending the request timed out", request=request) from exc
    except OSError as exc:
        # Writing into a connection the server already closed: nothing was processed.
        raise _NothingReceived() from exc


async def _read_head(
    conn: _Conn,
    parser: httptools.HttpResponseParser,
    parsed: _Parsed,
    seconds: float | None,
    request: httpx.Request,
) -> None:
    """Read until the status line and headers are parsed (some of the body may come too)."""
    received = 0
    while not parsed.head_done:
        try:
            async with asyncio.timeout(seconds):
                data = await conn.reader.read(READ_SIZE)
        except TimeoutError as exc:
            raise httpx.ReadTimeout("waiting for the response timed out", request=request) from exc
        except OSError as exc:
            if received == 0:
                raise _NothingReceived() from exc
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        if not data:
            if received == 0:
                raise _NothingReceived()
            raise httpx.RemoteProtocolError(
                "Server disconnected in the middle of the response headers", request=request
            )
        received += len(data)
        if received > MAX_HEAD_BYTES and not parsed.head_done:
            raise httpx.RemoteProtocolError("response headers too large", request=request)
        _feed(parser, data, request)


def _feed(parser: httptools.HttpResponseParser, data: bytes, request: httpx.Request) -> None:
    try:
        parser.feed_data(data)
    except httptools.HttpParserUpgrade as exc:
        raise httpx.RemoteProtocolError("unexpected protocol upgrade", request=request) from exc
    except httptools.HttpParserError as exc:
        raise httpx.RemoteProtocolError(f"malformed response: {exc}", request=request) from exc


class _Body(httpx.AsyncByteStream):
    """A response body: one piece per socket read; the connection goes back to the pool once
    the whole message was read, and is closed when the body is abandoned halfway."""

    def __init__(
        self,
        transport: LeanTransport,
        conn: _Conn,
        parser: httptools.HttpResponseParser,
        parsed: _Parsed,
        origin: tuple[str, str, int],
        timeout: float | None,
        request: httpx.Request,
        *,
        until_close: bool,
        reusable: bool,
    ) -> None:
        self._transport = transport
        self._conn: _Conn | None = conn
        self._parser = parser
        self._parsed = parsed
        self._origin = origin
        self._timeout = timeout
        self._request = request
        self._until_close = until_close
        self._reusable = reusable

    async def __aiter__(self) -> AsyncIterator[bytes]:
        parsed, conn = self._parsed, self._conn
        if conn is None:
            raise httpx.StreamClosed()
        try:
            while True:
                if parsed.body:
                    data = b"".join(parsed.body)
                    parsed.body.clear()
                    yield data
                if parsed.complete:
                    break
                chunk = await self._read(conn)
                if not chunk:
                    if self._until_close:
                        break
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body",
                        request=self._request,
                    )
                _feed(self._parser, chunk, self._request)
        except BaseException:
            # A reader that stops at the stream's last event (`[DONE]`) has usually been
            # handed the message's end too: that connection is as good as a finished one.
            if parsed.complete and not parsed.body:
                self._finish()
            else:
                self._drop()
            raise
        self._finish()

    async def _read(self, conn: _Conn) -> bytes:
        try:
            async with asyncio.timeout(self._timeout):
                return await conn.reader.read(READ_SIZE)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(
                "reading the response timed out", request=self._request
            ) from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=self._request) from exc

    def _finish(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._reusable and not self._until_close:
            self._transport._give_back(self._origin, conn)
        else:
            conn.close()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    async def aclose(self) -> None:
        # Closed before the end (a cancelled stream): the rest of the body is still on the
        # wire, so the connection cannot carry another request.
        if self._conn is not None and not self._parsed.complete:
            self._drop()
        else:
            self._finish()


def proxies_configured() -> bool:
    """Whether the environment names a proxy (httpx would honour it; this transport cannot)."""
    return any(key in ("http", "https", "all") for key in urllib.request.getproxies())


def transport_for(kind: str) -> httpx.AsyncBaseTransport | None:
    """The transport for `INTERVIEWER_LLM_HTTP` (`lean` or `httpx`); None: httpx's default."""
    if kind == "lean" and not proxies_configured():
        return LeanTransport()
    return None


def is_per_read(response: Any) -> bool:
    """Whether `response`'s body pieces are whole socket reads (see READS_EXTENSION)."""
    extensions = getattr(response, "extensions", None) or {}
    return bool(extensions.get(READS_EXTENSION))
