"""What the session repository raises: the API maps each to a status (api/main.py)."""

from __future__ import annotations

from typing import Literal


class SessionNotFound(Exception):
    """No such session (or it was deleted)."""


class SessionBusy(Exception):
    """Another change of this session holds its lease (a reply is still being generated)."""

    def __init__(self, session_id: str, purpose: str | None = "turn") -> None:
        super().__init__(session_id)
        self.session_id = session_id
        self.purpose = purpose or "turn"


class LeaseLost(Exception):
    """The lease expired and another holder took the session: this change was not committed."""


class DatabaseUnavailable(Exception):
    """The database did not answer within its timeout (down, unreachable or hung)."""


DatabaseFailure = Literal["unavailable", "full"]


def database_failure(exc: BaseException) -> DatabaseFailure | None:
    """What a database exception means to a client: the database is unavailable (down, hung,
    slower than its statement or lock timeout: try again shortly), its storage is full (try
    again once someone freed space), or None: not a failure of the database (a bug)."""
    import sqlite3

    import psycopg
    import psycopg.errors

    if isinstance(exc, DatabaseUnavailable):
        return "unavailable"
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "full" in text:  # "database or disk is full"
            return "full"
        if "locked" in text or "disk i/o" in text or "unable to open" in text:
            return "unavailable"
        return None
    if isinstance(exc, psycopg.errors.DiskFull | psycopg.errors.OutOfMemory):
        return "full"
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        # Connection failures, PoolTimeout, statement and lock timeouts, admin shutdown.
        return "unavailable"
    return None
