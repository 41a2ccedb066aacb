"""Issue 22, breaks 6 and 8 and readiness: a database that is down, hung or full.

Before: with PostgreSQL down `/healthz` said ok, create-session and chat got plain-text `Internal
Server Error`, other routes waited 30 s, and the keep-alive connection was reset; hung with
SIGSTOP, reads and the turn's commit waited as long as it stayed hung. Every test here runs a
PostgreSQL server of its own (tests/support/own_postgres.py), never the shared one.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_handlers
from tests.support.own_postgres import OwnPostgres, own_postgres
from tests.support.server import Api, ThreadedServer, wait_until


@pytest.fixture
def database() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        yield server


@pytest.fixture
def server(database: OwnPostgres, make_server: Callable[..., ThreadedServer]) -> ThreadedServer:
    return make_server(
        database_url=database.url, db_statement_timeout_seconds=1, db_lock_timeout_seconds=1
    )


def _ready(server: ThreadedServer) -> httpx.Response:
    return httpx.get(f"{server.base_url}/readyz", timeout=10)


def test_readiness_is_503_with_the_reason_while_the_database_is_down_and_200_when_it_returns(
    server: ThreadedServer, database: OwnPostgres
) -> None:
    ready = _ready(server)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready" and ready.json()["database"] == "ok"

    database.stop()
    down = wait_until(
        lambda: (r := _ready(server)).status_code == 503 and r, what="readiness to fail"
    )
    body = down.json()
    assert body["status"] == "not_ready" and body["reason"].startswith("database:")
    assert body["evaluation"] == "ok" and body["draining"] is False
    # Liveness stays cheap and true: the process answers.
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200

    database.start()
    wait_until(lambda: _ready(server).status_code == 200, timeout=30, what="readiness back")


def _request(conn: http.client.HTTPConnection, method: str, path: str) -> tuple[int, Any, Any]:
    body = b"{}" if method == "POST" else None
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    return response.status, response, json.loads(data) if data else None


def test_database_down_is_a_503_json_with_a_code_and_retry_after_on_a_kept_connection(
    server: ThreadedServer, database: OwnPostgres
) -> None:
    with Api(server.base_url) as api:
        session_id = api.create(candidate_name="Ana")
    database.stop()
    parts = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        for method, path in [
            ("POST", "/create-session"),
            ("GET", f"/interview-status/{session_id}"),
            ("GET", f"/conversation-history/{session_id}"),
            ("GET", "/sessions"),
            ("POST", f"/start-interview/{session_id}"),
        ]:
            began = time.monotonic()
            status, response, body = _request(conn, method, path)
            took = time.monotonic() - began
            assert status == 503, (path, status, body)
            assert body["code"] == "database_unavailable", body
            assert response.getheader("X-Error-Code") == "database_unavailable"
            assert response.getheader("Retry-After") == "2"
            assert response.getheader("Connection") != "close"
            assert took < 10, (path, took)  # not the pool's 30 s
        kept = conn.sock
        assert kept is not None
        status, _, _ = _request(conn, "GET", "/healthz")
        assert status == 200 and conn.sock is kept  # the same keep-alive connection
    finally:
        conn.close()
    database.start()
    with Api(server.base_url) as api:
        wait_until(
            lambda: api.http.get(f"/interview-status/{session_id}").status_code == 200,
            timeout=30,
            what="the service back",
        )


def test_a_hung_database_fails_requests_within_seconds_and_readiness_says_so(
    server: ThreadedServer, database: OwnPostgres
) -> None:
    with Api(server.base_url) as api:
        session_id = api.create(candidate_name="Ana")
        api.start_text(session_id)  # a head: the history reads a checkpoint
        database.pause()  # SIGSTOP: connections stay open, nothing answers
        try:
            for path in (f"/interview-status/{session_id}", f"/conversation-history/{session_id}"):
                began = time.monotonic()
                response = api.http.get(path)
                took = time.monotonic() - began
                assert response.status_code == 503, (path, response.text)
                assert response.json()["code"] == "database_unavailable"
                assert took < 8, (path, took)  # the statement timeout and a margin, not forever
            began = time.monotonic()
            assert _ready(server).status_code == 503
            assert time.monotonic() - began < 3
        finally:
            database.resume()
        wait_until(
            lambda: api.http.get(f"/interview-status/{session_id}").status_code == 200,
            timeout=30,
            what="the service back",
        )


def test_a_commit_that_hangs_fails_the_turn_at_its_deadline(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(turn_deadline_seconds=3)
    repo = server.app.state.repo

    async def hung_commit(*args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(3600)

    with Api(server.base_url) as api:
        session_id = api.create(candidate_name="Ana")
        repo.commit = hung_commit
        began = time.monotonic()
        reply = api.start_sse(session_id)
        took = time.monotonic() - began
    assert took < 15, took  # before: as long as the commit hung
    errors = reply.of("error")
    assert errors and errors[0].data["code"] == "llm_timeout", reply.kinds


@pytest.mark.parametrize(
    ("exc", "code", "retry_after"),
    [
        (sqlite3.OperationalError("database or disk is full"), "storage_full", "60"),
        (sqlite3.OperationalError("database is locked"), "database_unavailable", "2"),
        (sqlite3.OperationalError("disk I/O error"), "database_unavailable", "2"),
    ],
)
def test_a_full_disk_or_a_locked_file_is_a_503_json_from_the_table(
    exc: Exception, code: str, retry_after: str
) -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/write")
    async def write() -> None:
        raise exc

    with TestClient(app) as client:
        response = client.get("/write")
    assert response.status_code == 503
    assert response.json()["code"] == code and response.headers["X-Error-Code"] == code
    assert response.headers["Retry-After"] == retry_after


def test_a_database_error_that_is_a_bug_stays_a_500() -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/bug")
    async def bug() -> None:
        raise sqlite3.OperationalError("no such table: interviewer_nothing")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/bug").status_code == 500
