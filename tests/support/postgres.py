"""A PostgreSQL database of its own for a test, created and dropped around it.

The server is `INTERVIEWER_TEST_POSTGRES` (default: the one every machine of ours runs on
127.0.0.1:5432, trust auth, user postgres). Without a reachable server the tests that need it
skip with the reason, unless `INTERVIEWER_REQUIRE_POSTGRES=1` (set by `.ci/run`), where that
is a failure: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped afterwards (with any connection left)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        _unavailable(f"psycopg is not installed ({exc})")
        raise
    name = f"interviewer_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable(f"{SERVER_URL} is not reachable ({str(exc).strip()})")
        raise
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(SERVER_URL, name)
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
