"""A minimal HTTP/1.1 client for the load driver: keep-alive, chunked bodies, nothing else.

The driver runs on the same cores as the server it measures. httpx costs the driver about as
much CPU per streamed turn as the server spends on the whole turn (measured: ~12 ms per turn at
1,000 candidates), so at capacity the harness, not the server, would be what the figures show.
This client does only what the bench needs (a JSON or empty request body, a status line,
headers, a chunked or sized body) over asyncio streams, at a small fraction of that cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class HTTPFailure(Exception):
    """The connection failed or the server broke the HTTP protocol."""


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    used: float


class RawResponse:
    """A response whose body is read once, through :meth:`chunks` or :meth:`aread`."""

    def __init__(
        self, client: RawClient, conn: _Conn, status: int, headers: dict[str, str]
    ) -> None:
        self._client = client
        self._conn: _Conn | None = conn
        self.status = status
        self.headers = headers

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as the server wrote it (one piece per HTTP chunk)."""
        conn = self._conn
        if conn is None:
            return
        reader = conn.reader
        keep = self.headers.get("connection", "").lower() != "close"
        try:
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                while True:
                    line = await reader.readline()
                    if not line:
                        raise HTTPFailure("connection closed inside a chunked body")
                    size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        break
                    data = await reader.readexactly(size + 2)
                    yield data[:-2]
            elif "content-length" in self.headers:
                length = int(self.headers["content-length"])
                if length:
                    yield await reader.readexactly(length)
            else:
                keep = False
                while data := await reader.read(65536):
                    yield data
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self._drop()
            raise HTTPFailure(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            self._drop()
            raise
        self._conn = None
        self._client.release(conn, keep)

    async def aread(self) -> bytes:
        return b"".join([part async for part in self.chunks()])

    async def json(self) -> Any:
        return json.loads(await self.aread())

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.writer.close()
            self._conn = None

    def close(self) -> None:
        """Give up on the rest of the body (the connection cannot be reused)."""
        self._drop()


class RawClient:
    """Requests to one ``http://host:port`` origin, reusing idle connections."""

    def __init__(self, base_url: str, timeout: float = 60.0, keepalive_expiry: float = 3.0):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host:port origins, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.keepalive_expiry = keepalive_expiry
        self._idle: list[_Conn] = []
        self._host_header = f"{self.host}:{self.port}"

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.writer.close()
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.writer.wait_closed()

    def release(self, conn: _Conn, keep: bool) -> None:
        if keep:
            conn.used = time.monotonic()
            self._idle.append(conn)
        else:
            conn.writer.close()

    async def _connection(self) -> _Conn:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            # A connection idle for long may be closed by the server as we reuse it.
            if now - conn.used < self.keepalive_expiry and not conn.reader.at_eof():
                return conn
            conn.writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        return _Conn(reader, writer, now)

    async def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> RawResponse:
        """Send a request (``body`` as JSON) and read up to the end of the response headers."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self._host_header}",
            f"Content-Length: {len(payload)}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        conn: _Conn | None = None
        try:
            async with asyncio.timeout(self.timeout):
                conn = await self._connection()
                conn.writer.write(request)
                status_line = await conn.reader.readline()
                if not status_line:
                    raise HTTPFailure("connection closed before the response")
                status = int(status_line.split(b" ", 2)[1])
                found: dict[str, str] = {}
                while (line := await conn.reader.readline()) not in (b"\r\n", b"\n"):
                    if not line:
                        raise HTTPFailure("connection closed inside the response headers")
                    name, _, value = line.decode("latin-1").partition(":")
                    found[name.strip().lower()] = value.strip()
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            if conn is not None:
                conn.writer.close()
            raise HTTPFailure(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            if conn is not None:
                conn.writer.close()
            raise
        return RawResponse(self, conn, status, found)
