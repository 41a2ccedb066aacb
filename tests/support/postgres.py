"""A PostgreSQL database of its own for a test, created and dropped around it.

The server is `INTERVIEWER_TEST_POSTGRES` (default: the one every machine of ours runs on
127.0.0.1:5432, trust auth, user postgres). Without a reachable server the tests that need it
skip with the reason, unless `INTERVIEWER_REQUIRE_POSTGRES=1` (set by `.ci/run`), where that
is a failure: CI must never pass by skipping them.

Creating a database (~0.3 s) and dropping one with its connections (up to ~1 s on a loaded
machine) are off the tests' path: a helper thread creates the next database while a test runs
and drops the used ones afterwards. Every test still gets a new, empty database of its own.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

SERVER_URL = os.environ.get(
    "INTERVIEWER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _unavailable(reason: str) -> None:
    if os.environ.get("INTERVIEWER_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (INTERVIEWER_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"no PostgreSQL server for the Postgres tests: {reason}")


def _connect() -> Any:
    import psycopg

    return psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)


def _new_name() -> str:
    return f"interviewer_test_{secrets.token_hex(6)}"


class _Databases:
    """One helper thread: creates the next database ahead, drops the used ones."""

    def __init__(self) -> None:
        self._tasks: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._ahead: queue.Queue[str] = queue.Queue()
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="test-databases", daemon=True)
            self._thread.start()
            atexit.register(self.close)

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            action, name = task
            # A failure here only costs time: the next test creates its database itself.
            with contextlib.suppress(Exception), _connect() as admin:
                if action == "create":
                    admin.execute(f'CREATE DATABASE "{name}"')
                    self._ahead.put(name)
                else:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def take(self) -> str:
        """A new, empty database's name (created ahead, or now), and the next one ordered."""
        try:
            name = self._ahead.get_nowait()
        except queue.Empty:
            name = _new_name()
            try:
                admin = _connect()
            except Exception as exc:  # psycopg.OperationalError: no server there
                _unavailable(f"{SERVER_URL} is not reachable ({str(exc).strip()})")
                raise
            with admin:
                admin.execute(f'CREATE DATABASE "{name}"')
        self._start()
        self._tasks.put(("create", _new_name()))
        return name

    def drop(self, name: str) -> None:
        self._start()
        self._tasks.put(("drop", name))

    def close(self) -> None:
        """Drop what is queued or was created ahead, and stop the thread."""
        if self._thread is None:
            return
        self._tasks.put(None)
        self._thread.join(timeout=60)
        self._thread = None
        leftovers = []
        while not self._ahead.empty():
            leftovers.append(self._ahead.get_nowait())
        if leftovers:
            with contextlib.suppress(Exception), _connect() as admin:
                for name in leftovers:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_databases = _Databases()


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped afterwards (with any connection left)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        _unavailable(f"psycopg is not installed ({exc})")
        raise
    name = _databases.take()
    try:
        yield _with_database(SERVER_URL, name)
    finally:
        _databases.drop(name)
