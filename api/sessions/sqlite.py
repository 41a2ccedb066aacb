"""The SQLite adapter: the embedded default, one file for sessions and checkpoints.

Several processes may serve the same file: every change takes the session's lease with one
conditional UPDATE, and SQLite's own file locking (WAL, a busy timeout, write transactions that
start IMMEDIATE) serialises the writes, whatever path or link each process opened the file by.
Lease expiry uses this machine's clock (SQLite's `now`), which every process on the file shares.
The start-up lock is a write transaction: worker processes migrating one file at once take
turns on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from api.sessions.database import Database, Outcome, Step
from api.sessions.dialect import SQLITE
from api.sessions.migrations import LockedConnection
from api.sessions.sqlite_thread import SqliteThread, ThreadedSqliteSaver, transaction

logger = logging.getLogger(__name__)


class SharedFileRefused(RuntimeError):
    """The database file is reachable by several hard links; serving it would risk corruption."""


class _Refused(Exception):
    """A guarded batch whose first statement did not match: rolled back."""


def _run(conn: sqlite3.Connection, steps: Sequence[Step], guarded: bool) -> list[Outcome]:
    outcomes = []
    for sql, params in steps:
        cursor = conn.execute(sql, params)
        outcomes.append(Outcome(cursor.rowcount, cursor.fetchall()))
        if guarded and len(outcomes) == 1 and cursor.rowcount != 1:
            raise _Refused
    return outcomes


class _Locked:
    """The connection inside the start-up lock: an open IMMEDIATE transaction."""

    def __init__(self, db: SqliteThread) -> None:
        self._db = db

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        def execute(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return conn.execute(sql, params).fetchall()

        return await self._db.run(execute, self._db.conn)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        # Inside the lock's transaction: a savepoint, so a failed migration leaves nothing.
        await self.execute("SAVEPOINT migration")
        try:
            yield
        except BaseException:
            await self.execute("ROLLBACK TO migration")
            raise
        await self.execute("RELEASE migration")


class SqliteDatabase(Database):
    """Sessions and LangGraph checkpoints in one SQLite file, on one connection and thread."""

    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: SqliteThread | None = None

    @property
    def where(self) -> str:
        return f"SQLite file {self.path}"

    @property
    def db(self) -> SqliteThread:
        assert self._db is not None, "setup() first"
        return self._db

    async def setup(self, migrate: Callable[[LockedConnection], Awaitable[object]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite names its WAL and shared-memory files after the path it opens: processes that
        # reach one file by different names must agree on one, or they corrupt it. A symlink
        # resolves to the real file; a second hard link has no way back to it, so it is refused.
        real = self.path.resolve()
        if real.exists() and real.stat().st_nlink > 1:
            raise SharedFileRefused(
                f"{real} has {real.stat().st_nlink} hard links: SQLite cannot coordinate "
                "processes that open one database by different names. Point every process at "
                "the same path (a symlink is fine)."
            )
        self.path = real
        # One connection and one thread for the checkpoints and the sessions: one trip per
        # operation, and this process' writes serialised by the thread (sqlite_thread.py).
        self._db = SqliteThread()
        await self._db.open(real)
        saver = ThreadedSqliteSaver(self._db)
        # LangGraph's setup commits as it goes (executescript): before the lock's transaction.
        await saver.asetup()
        self._saver = saver
        locked = _Locked(self._db)
        await locked.execute("BEGIN IMMEDIATE")
        try:
            await migrate(locked)
        except BaseException:
            await self._db.run(self._db.conn.rollback)
            raise
        await self._db.run(self._db.conn.commit)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
        self._db = self._saver = None

    async def scrub(self) -> None:
        # The WAL still holds the erased pages' old images until a checkpoint copies the
        # zeroed pages back and TRUNCATE empties it. A reader in another process can hold the
        # checkpoint back: tried for a second, then logged.
        def checkpoint(conn: sqlite3.Connection) -> bool:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return not busy

        for _ in range(20):
            if await self.db.run(checkpoint, self.db.conn):
                return
            await asyncio.sleep(0.05)
        logger.warning("the write-ahead log of %s could not be emptied after an erasure", self.path)

    async def run(
        self, steps: Sequence[Step], *, atomic: bool = True, guarded: bool = False
    ) -> list[Outcome] | None:
        # One trip to the connection's thread, always as one transaction: on this connection a
        # batch is as cheap whole as in parts.
        try:
            return await self.db.run(transaction, self.db.conn, lambda c: _run(c, steps, guarded))
        except _Refused:
            return None


__all__ = ["SharedFileRefused", "SqliteDatabase"]
