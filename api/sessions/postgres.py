"""The PostgreSQL adapter: how a team runs several replicas on one database.

Checkpoints are `langgraph-checkpoint-postgres`'s AsyncPostgresSaver; sessions, leases, keys,
saved documents and reports are our tables beside them, on one psycopg 3 connection pool.
Lease expiry is the database's clock (`clock_timestamp()`), so replicas on machines whose
clocks disagree still agree on who holds a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import AsyncConnectionPool

from api.sessions.database import Database, Outcome, Step
from api.sessions.dialect import POSTGRES
from api.sessions.errors import DatabaseUnavailable
from api.sessions.migrations import LockedConnection

T = TypeVar("T")

SETUP_LOCK = 7130001
"""The advisory lock that makes the replicas' setups (LangGraph's and ours) one at a time."""
SETUP_POLL_SECONDS = 0.1
POOL_WAIT_STATEMENTS = 2
"""Waiting for a free pooled connection lasts at most this many statement timeouts."""
CLIENT_MARGIN = 1.0
"""Seconds past the statement timeout before a statement counts as unanswered."""


class _Refused(Exception):
    """A guarded batch whose first statement did not match: rolled back."""


async def _execute(conn: AsyncConnection[Any], sql: str, params: tuple[Any, ...]) -> Outcome:
    # Our statements read tuples; the pool's default (dict rows) is what LangGraph's saver needs.
    async with conn.cursor(row_factory=tuple_row) as cursor:
        await cursor.execute(sql, params)
        rows = await cursor.fetchall() if cursor.description is not None else []
        return Outcome(cursor.rowcount, rows)


async def _try_lock(conn: AsyncConnection[Any]) -> bool:
    outcome = await _execute(conn, "SELECT pg_try_advisory_lock(%s)", (SETUP_LOCK,))
    return bool(outcome.rows[0][0])


class _Locked:
    """The connection that holds the start-up lock; autocommit unless in `transaction()`."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return (await _execute(self._conn, sql, params)).rows

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._conn.transaction():
            yield


class PostgresDatabase(Database):
    """Sessions and LangGraph checkpoints in one PostgreSQL database."""

    dialect = POSTGRES

    def __init__(
        self,
        url: str,
        pool_size: int = 20,
        statement_timeout: float = 5.0,
        lock_timeout: float = 2.0,
    ) -> None:
        self.url = url
        self.timeout = statement_timeout
        # The server ends a statement or a lock wait past these; a server that does not answer
        # at all (hung, SIGSTOP) is bounded by `run`'s own clock and the pool's wait.
        options = (
            f"-c statement_timeout={int(statement_timeout * 1000)}"
            f" -c lock_timeout={int(lock_timeout * 1000)}"
        )
        self.pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            # A free connection within twice the statement timeout, or PoolTimeout (503).
            timeout=statement_timeout * POOL_WAIT_STATEMENTS,
            kwargs={
                "autocommit": True,
                "prepare_threshold": 0,
                "row_factory": dict_row,
                "options": options,
                "connect_timeout": max(1, math.ceil(statement_timeout)),
            },
        )
        self._abandoned: set[asyncio.Future[Any]] = set()

    @property
    def where(self) -> str:
        parts = urlsplit(self.url)
        return f"PostgreSQL database {parts.path.lstrip('/') or '(default)'} on {parts.hostname}"

    async def setup(self, migrate: Callable[[LockedConnection], Awaitable[object]]) -> None:
        await self.pool.open(wait=True, timeout=30)
        saver = AsyncPostgresSaver(self.pool)  # type: ignore[arg-type]
        self._saver = saver
        # Replicas starting together on a new database raced on LangGraph's migrations
        # (UniqueViolation on checkpoint_migrations_pkey or pg_type) and on our own: one at a
        # time, under a lock held by a connection of its own while the saver's setup runs on
        # others of the pool. Waiting is polling, not a blocked pg_advisory_lock: LangGraph's
        # migrations CREATE INDEX CONCURRENTLY, which waits for every running statement to
        # end, a waiting replica's lock statement included (a deadlock).
        async with self.pool.connection() as holder:
            while True:
                if await _try_lock(holder):
                    break
                await asyncio.sleep(SETUP_POLL_SECONDS)
            try:
                await saver.setup()
                # A migration may rewrite a large table: not bounded like a request's statement.
                await holder.execute("SET statement_timeout = 0")
                await migrate(_Locked(holder))
            finally:
                await holder.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
                await holder.execute("RESET statement_timeout")

    async def close(self) -> None:
        await self.pool.close()

    async def reachable(self, connect_seconds: float) -> None:
        conn = await AsyncConnection.connect(
            self.url, connect_timeout=max(1, math.ceil(connect_seconds)), autocommit=True
        )
        await conn.close()

    async def run(
        self, steps: Sequence[Step], *, atomic: bool = True, guarded: bool = False
    ) -> list[Outcome] | None:
        # Waiting for a connection is bounded by the pool (PoolTimeout). The statements are
        # bounded by the server's statement timeout, but a hung server enforces nothing: see
        # `bounded`.
        conn = await self.pool.getconn()
        lent = [conn]
        work = asyncio.ensure_future(self._run(lent, steps, atomic, guarded))
        work.add_done_callback(lambda _: self._give_back(lent))
        return await self.bounded(work)

    def _give_back(self, lent: list[AsyncConnection[Any]]) -> None:
        # A task cancelled before it started never ran its `finally`: the connection goes
        # back from here.
        if lent:
            self._keep(asyncio.ensure_future(self.pool.putconn(lent.pop())))

    def _keep(self, future: asyncio.Future[Any]) -> None:
        self._abandoned.add(future)
        future.add_done_callback(self._abandoned.discard)

    async def bounded(self, work: Awaitable[T]) -> T:
        # Past the statement timeout and a second more, the caller gets DatabaseUnavailable at
        # once, while the work is cancelled in the background (psycopg closes a connection
        # whose server does not answer the cancel, within seconds).
        task = asyncio.ensure_future(work)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout + CLIENT_MARGIN)
        except TimeoutError:
            self._abandon(task)
            raise DatabaseUnavailable(
                f"no answer from {self.where} within {self.timeout + CLIENT_MARGIN:g}s"
            ) from None
        except asyncio.CancelledError:
            self._abandon(task)
            raise

    def _abandon(self, task: asyncio.Future[Any]) -> None:
        task.cancel()
        self._keep(task)

    async def _run(
        self, lent: list[AsyncConnection[Any]], steps: Sequence[Step], atomic: bool, guarded: bool
    ) -> list[Outcome] | None:
        conn = lent[0]
        try:
            batch = conn.transaction() if atomic and len(steps) > 1 else contextlib.nullcontext()
            outcomes: list[Outcome] = []
            try:
                async with batch:
                    for sql, params in steps:
                        outcomes.append(await _execute(conn, sql, params))
                        if guarded and len(outcomes) == 1 and outcomes[0].changed != 1:
                            raise _Refused
            except _Refused:
                return None
            return outcomes
        finally:
            # A connection left mid-statement (cancelled) is closed by the pool, not reused.
            lent.clear()
            await self.pool.putconn(conn)


__all__ = ["SETUP_LOCK", "PostgresDatabase"]
