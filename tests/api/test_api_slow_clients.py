"""Issue 22, break 7: slow clients took the server down (half-sent requests were held for
ever, and enough of them starved new clients). Driven with raw sockets, as an attacker would."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from contextlib import ExitStack, closing
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.server import Api, SubprocessServer, ThreadedServer

HALF_SENT = b"POST /create-session HTTP/1.1\r\nHost: interviewer\r\nContent-Type: appl"


def _connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def _read_until_closed(sock: socket.socket, limit: float = 10.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started = time.monotonic()
    sock.settimeout(limit)
    received = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return received, time.monotonic() - started
        received += chunk


def test_half_sent_headers_are_answered_408_closed_and_logged_while_new_clients_are_served(
    make_server: Callable[..., ThreadedServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server(header_timeout_seconds=1.0)
    with ExitStack() as stack, caplog.at_level(logging.WARNING, logger="api.http"):
        slow = [stack.enter_context(closing(_connect(server.base_url))) for _ in range(40)]
        for sock in slow:
            sock.sendall(HALF_SENT)
        # A new client is served while the half-sent requests are still held.
        with Api(server.base_url, timeout=5) as api:
            api.create()
        answers = [_read_until_closed(sock) for sock in slow]
    for received, seconds in answers:
        assert received.startswith(b"HTTP/1.1 408 "), received
        assert b"x-error-code: request_timeout" in received
        assert seconds < 5
    logged = [r.getMessage() for r in caplog.records if r.name == "api.http"]
    assert len(logged) >= 40 and "headers did not arrive within 1s" in logged[0], logged[:2]


def test_a_connection_that_never_sends_a_byte_is_closed(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(header_timeout_seconds=0.5)
    with closing(_connect(server.base_url)) as sock:
        received, seconds = _read_until_closed(sock)
    assert received.startswith(b"HTTP/1.1 408 ") and seconds < 5


def test_a_trickled_body_is_cut_at_the_body_deadline_and_creates_nothing(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(header_timeout_seconds=5.0, body_timeout_seconds=0.5)
    body = b'{"candidate_name": "Slow Sam"}'
    with closing(_connect(server.base_url)) as sock:
        sock.sendall(
            b"POST /create-session HTTP/1.1\r\nHost: interviewer\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        started = time.monotonic()
        sock.settimeout(0.1)
        received = b""
        for byte in body[:-1]:  # one byte every 0.1 s: each arrives, the whole never does
            try:
                sock.sendall(bytes([byte]))
                received += sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if received:
                break
        seconds = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert b"body did not arrive" in received
    assert seconds < 2.5
    with Api(server.base_url) as api:
        assert api.sessions() == {}


def test_a_kept_connection_idle_longer_than_the_header_deadline_still_works(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(header_timeout_seconds=0.3)
    with httpx.Client(base_url=server.base_url) as client:
        assert client.get("/healthz").status_code == 200
        time.sleep(0.6)  # idle between requests is the keep-alive timeout's business
        assert client.get("/healthz").status_code == 200


def test_python_m_api_serves_with_the_read_deadlines(
    make_process: Callable[..., SubprocessServer],
) -> None:
    process = make_process(INTERVIEWER_HEADER_TIMEOUT_SECONDS="0.5")
    with closing(_connect(process.base_url)) as sock:
        sock.sendall(HALF_SENT)
        received, seconds = _read_until_closed(sock)
    assert received.startswith(b"HTTP/1.1 408 ") and seconds < 5
    assert "headers did not arrive within 0.5s" in process.log()
