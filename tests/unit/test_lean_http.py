"""`LeanTransport`: HTTP/1.1 for httpx on asyncio streams, against raw servers we script.

Each server here writes exact bytes, so the tests pin the framing (chunked split anywhere,
Content-Length, read-until-close), connection reuse and its limits (stale keep-alive, `close`,
an abandoned body), TLS, and that failures are the httpx exceptions the groq SDK retries on.
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from graph.llm.groq.transport import LeanTransport, is_per_read, transport_for

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Script"], Awaitable[None]]
Serve = Callable[..., Awaitable[tuple[str, "Script"]]]


@dataclass
class Script:
    """A scripted server: what it received, and how many connections it accepted."""

    connections: int = 0
    requests: list[bytes] = field(default_factory=list)


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + (await reader.readexactly(length) if length else b"")


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler, tls: ssl.SSLContext | None = None) -> tuple[str, Script]:
        script = Script()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            script.connections += 1
            try:
                await handler(reader, writer, script)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=tls)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"{'https' if tls else 'http'}://127.0.0.1:{port}", script

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"


async def test_a_chunked_body_split_at_any_byte_reads_back_whole(serve: Serve) -> None:
    parts = [f"token {i} ".encode() for i in range(30)]
    wire = CHUNKED_HEAD + _chunked(*parts)
    rng = random.Random(7)

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        while True:
            s.requests.append(await _read_request(reader))
            cuts = sorted(rng.sample(range(1, len(wire)), 12))
            for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True):
                writer.write(wire[a:b])
                await writer.drain()
                await asyncio.sleep(0)

    url, script = await serve(handler)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        for _ in range(20):
            response = await client.get(url + "/x")
            assert response.content == b"".join(parts)
    assert script.connections == 1, "every response was read whole, so one connection served all"


async def test_chunks_that_arrived_together_come_out_as_one_piece(serve: Serve) -> None:
    release = asyncio.Event()

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        await _read_request(reader)
        writer.write(CHUNKED_HEAD + b"5\r\nfirst\r\n")
        await writer.drain()
        await release.wait()
        # Three HTTP chunks (three tokens) in one write: one read on the client's side.
        writer.write(b"1\r\na\r\n1\r\nb\r\n1\r\nc\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    url, _ = await serve(handler)
    pieces = []
    async with (
        httpx.AsyncClient(transport=LeanTransport()) as client,
        client.stream("GET", url + "/x") as response,
    ):
        assert is_per_read(response)
        async for piece in response.aiter_raw():
            pieces.append(piece)
            release.set()
    assert pieces == [b"first", b"abc"]


async def test_a_pooled_connection_the_server_closed_is_replaced_and_the_request_sent_once(
    serve: Serve,
) -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        s.requests.append(await _read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        # Then the server drops the idle keep-alive connection, as servers do after a while.

    url, script = await serve(handler)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        assert (await client.post(url + "/a", json={"n": 1})).text == "ok"
        await asyncio.sleep(0.05)
        assert (await client.post(url + "/b", json={"n": 2})).text == "ok"
    assert script.connections == 2
    assert [r.split(b" ")[1] for r in script.requests] == [b"/a", b"/b"]


async def test_connection_close_and_an_abandoned_body_are_never_reused(serve: Serve) -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        while True:
            request = await _read_request(reader)
            if b"/close" in request.split(b"\r\n")[0]:
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
            else:
                writer.write(CHUNKED_HEAD + b"3\r\none\r\n")  # ... and never the rest
            await writer.drain()

    url, script = await serve(handler)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        assert (await client.get(url + "/close")).text == "ok"
        async with client.stream("GET", url + "/half") as response:
            async for _ in response.aiter_raw():
                break
        assert (await client.get(url + "/close")).text == "ok"
    assert script.connections == 3


async def test_content_length_and_read_until_close_bodies(serve: Serve) -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        request = await _read_request(reader)
        if b"/length" in request:
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\nhello")
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.write(b" world")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
            await writer.drain()
            writer.close()

    url, _ = await serve(handler)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        response = await client.get(url + "/length")
        assert (response.status_code, response.text) == (201, "hello world")
        assert response.reason_phrase == "Created"
        assert (await client.get(url + "/eof")).text == "until the end"


async def test_the_request_on_the_wire_has_host_length_and_body(serve: Serve) -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        s.requests.append(await _read_request(reader))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()

    url, script = await serve(handler)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        response = await client.post(url + "/v1/x?a=1", json={"k": "v"}, headers={"X-T": "1"})
    assert response.status_code == 204 and response.content == b""
    head, body = script.requests[0].split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/x?a=1 HTTP/1.1"
    headers = {k.lower(): v for k, v in (line.split(b": ", 1) for line in lines[1:])}
    assert headers[b"host"] == url.removeprefix("http://").encode()
    assert json.loads(body) == {"k": "v"} and headers[b"content-length"] == str(len(body)).encode()
    assert headers[b"x-t"] == b"1"


async def test_failures_are_the_httpx_exceptions_the_groq_sdk_retries_on(serve: Serve) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script) -> None:
        await _read_request(reader)
        writer.write(CHUNKED_HEAD + b"5\r\nhel")
        await writer.drain()

    async def garbage(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        await _read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()

    silent_url, _ = await serve(silent)
    cut_url, _ = await serve(cut)
    garbage_url, _ = await serve(garbage)
    async with httpx.AsyncClient(transport=LeanTransport(), timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(silent_url)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(cut_url)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(garbage_url)
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:9/")  # discard port: nothing listens
    assert issubclass(httpx.ReadTimeout, httpx.TimeoutException)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


async def test_https_verifies_the_server_and_streams(
    serve: Serve, certificate: tuple[Path, Path]
) -> None:
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, s: Script
    ) -> None:
        while True:
            await _read_request(reader)
            writer.write(CHUNKED_HEAD + _chunked(b"secure ", b"reply"))
            await writer.drain()

    url, script = await serve(handler, server_tls)
    trusting = ssl.create_default_context(cafile=str(cert))
    async with httpx.AsyncClient(transport=LeanTransport(ssl_context=trusting)) as client:
        assert (await client.get(url)).text == "secure reply"
        assert (await client.get(url)).text == "secure reply"
    assert script.connections == 1
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)  # self-signed: not trusted by the default store


def test_a_proxy_in_the_environment_falls_back_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(transport_for("lean"), LeanTransport)
    assert transport_for("httpx") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert transport_for("lean") is None
