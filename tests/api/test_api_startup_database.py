"""Issue 22, break 2: a replica started while PostgreSQL is down.

Before: `PoolTimeout` after 30 s and exit code 3; with INTERVIEWER_WORKERS=2 the supervisor
exited with code 0, which defeats `Restart=on-failure`; a database that came back a moment
later did not help. Now start-up waits for the database with a backoff, comes up when it
returns within INTERVIEWER_DB_STARTUP_WAIT_SECONDS, and past that exits non-zero, supervisor
included. The database is a PostgreSQL server of the test's own.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.own_postgres import OwnPostgres, own_postgres
from tests.support.server import Api, SubprocessServer

EXIT_SECONDS = 90.0
"""Imports and the wait, on a loaded machine."""


@pytest.fixture
def stopped_database() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        server.stop()
        yield server


def _exit_code(server: SubprocessServer) -> int:
    assert server.process is not None
    try:
        return server.process.wait(timeout=EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        raise AssertionError(f"the server did not exit:\n{server.log()}") from None


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_database_that_stays_down_makes_start_up_exit_non_zero_after_the_wait(
    stopped_database: OwnPostgres, tmp_path: Path, workers: str
) -> None:
    server = SubprocessServer(
        tmp_path,
        INTERVIEWER_DATABASE_URL=stopped_database.url,
        INTERVIEWER_DB_STARTUP_WAIT_SECONDS="2",
        INTERVIEWER_WORKERS=workers,
    ).launch()
    try:
        code = _exit_code(server)
    finally:
        server.kill()
    log = server.log()
    assert code != 0, log  # the supervisor of two workers too (it said 0)
    assert "waiting for the database" in log, log
    assert "did not answer within INTERVIEWER_DB_STARTUP_WAIT_SECONDS=2s" in log, log


def test_a_database_that_returns_within_the_wait_lets_the_service_come_up(
    stopped_database: OwnPostgres, tmp_path: Path
) -> None:
    server = SubprocessServer(
        tmp_path,
        INTERVIEWER_DATABASE_URL=stopped_database.url,
        INTERVIEWER_DB_STARTUP_WAIT_SECONDS="120",
    ).launch()
    try:
        deadline = time.monotonic() + EXIT_SECONDS
        while "waiting for the database" not in server.log():
            assert server.process is not None and server.process.poll() is None, server.log()
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.2)
        stopped_database.start()
        server.wait_ready()
        with Api(server.base_url) as api:
            session_id = api.create(candidate_name="Ana")
            assert api.status(session_id)["session_id"] == session_id
    finally:
        server.kill()
