"""The PostgreSQL session repository: how a team runs several replicas on one database.

Checkpoints are `langgraph-checkpoint-postgres`'s AsyncPostgresSaver; sessions, leases, keys,
saved documents and reports are our tables beside them, on one psycopg 3 connection pool.
Lease expiry is the database's clock (`clock_timestamp()`), so replicas on machines whose
clocks disagree still agree on who holds a session.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from api.sessions.base import (
    Commit,
    Lease,
    LeaseLost,
    LeasePurpose,
    Progress,
    SavedSummary,
    SessionBusy,
    SessionNotFound,
    SessionRepository,
    SessionRow,
    TurnRecord,
    now_iso,
)
from graph.state import InterviewSettings

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS interviewer_sessions (
        session_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        last_access TEXT NOT NULL,
        settings JSONB NOT NULL,
        token_hash TEXT,
        generation INTEGER NOT NULL DEFAULT 0,
        head TEXT,
        started BOOLEAN NOT NULL DEFAULT FALSE,
        active BOOLEAN NOT NULL DEFAULT FALSE,
        stage TEXT NOT NULL DEFAULT 'created',
        questions_asked INTEGER NOT NULL DEFAULT 0,
        total_expected_questions INTEGER NOT NULL DEFAULT 0,
        cheat_attempts INTEGER NOT NULL DEFAULT 0,
        turns INTEGER NOT NULL DEFAULT 0,
        lease_token TEXT,
        lease_purpose TEXT,
        lease_expires TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
    )""",
    "CREATE INDEX IF NOT EXISTS interviewer_sessions_last_access"
    " ON interviewer_sessions (last_access)",
    "CREATE INDEX IF NOT EXISTS interviewer_sessions_token_hash"
    " ON interviewer_sessions (token_hash)",
    """CREATE TABLE IF NOT EXISTS interviewer_turn_keys (
        session_id TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        reply TEXT NOT NULL,
        events JSONB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (session_id, idem_key)
    )""",
    """CREATE TABLE IF NOT EXISTS interviewer_saved_sessions (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        document JSONB NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS interviewer_saved_sessions_session"
    " ON interviewer_saved_sessions (session_id, id)",
    """CREATE TABLE IF NOT EXISTS interviewer_reports (
        session_id TEXT PRIMARY KEY,
        report JSONB NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS interviewer_duties (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires TIMESTAMPTZ NOT NULL
    )""",
]

_COLUMNS = (
    "session_id, created_at, last_access, settings, token_hash, generation, head, started,"
    " active, stage, questions_asked, total_expected_questions, cheat_attempts, turns"
)

# Our threads are "<session uuid>:<generation>"; a session's threads share that prefix.
_THREADS_OF = "thread_id LIKE %s"

SETUP_LOCK = 7130001
"""The advisory lock that makes the replicas' setups (migrations, tables) one at a time."""
SETUP_POLL_SECONDS = 0.1
_ORPHAN_THREAD = (
    "thread_id ~ '^[0-9a-f-]{36}:' AND split_part(thread_id, ':', 1)"
    " NOT IN (SELECT session_id FROM interviewer_sessions)"
)


def _row(r: dict[str, Any]) -> SessionRow:
    return SessionRow(
        session_id=r["session_id"],
        created_at=r["created_at"],
        last_access=r["last_access"],
        settings=InterviewSettings.model_validate(r["settings"]),
        token_hash=r["token_hash"],
        generation=r["generation"],
        head=r["head"],
        started=r["started"],
        active=r["active"],
        stage=r["stage"],
        questions_asked=r["questions_asked"],
        total_expected_questions=r["total_expected_questions"],
        cheat_attempts=r["cheat_attempts"],
        turns=r["turns"],
    )


def _progress_params(p: Progress) -> tuple[Any, ...]:
    return (
        p.started,
        p.active,
        p.stage,
        p.questions_asked,
        p.total_expected_questions,
        p.cheat_attempts,
        p.turns,
    )


class PostgresSessionRepository(SessionRepository):
    """Sessions and LangGraph checkpoints in one PostgreSQL database."""

    backend = "postgres"

    def __init__(self, url: str, lease_seconds: float = 10.0, pool_size: int = 20) -> None:
        self.url = url
        self.lease_seconds = lease_seconds
        self.pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        self._saver: AsyncPostgresSaver | None = None

    @property
    def saver(self) -> BaseCheckpointSaver[str]:
        assert self._saver is not None, "setup() first"
        return self._saver

    async def setup(self) -> None:
        await self.pool.open(wait=True, timeout=30)
        self._saver = AsyncPostgresSaver(self.pool)  # type: ignore[arg-type]
        # Replicas starting together on a new database raced on LangGraph's migrations
        # (UniqueViolation on checkpoint_migrations_pkey or pg_type) and on our CREATE ... IF
        # NOT EXISTS: one at a time, under a lock held by a connection of its own while the
        # saver's setup runs on others of the pool. Waiting is polling, not a blocked
        # pg_advisory_lock: the migrations CREATE INDEX CONCURRENTLY, which waits for every
        # running statement to end, a waiting replica's lock statement included (a deadlock).
        async with self.pool.connection() as holder:
            while True:
                cursor = await holder.execute(
                    "SELECT pg_try_advisory_lock(%s) AS ok", (SETUP_LOCK,)
                )
                row = await cursor.fetchone()
                if row is not None and row["ok"]:  # type: ignore[call-overload]
                    break
                await asyncio.sleep(SETUP_POLL_SECONDS)
            try:
                await self._saver.setup()
                async with self.pool.connection() as conn, conn.transaction():
                    for statement in _SCHEMA:
                        await conn.execute(statement)
            finally:
                await holder.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))

    async def close(self) -> None:
        await self.pool.close()

    # --- plumbing -------------------------------------------------------------------------

    async def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return list(await cursor.fetchall())  # type: ignore[arg-type]

    async def _count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    # --- sessions -------------------------------------------------------------------------

    async def create(
        self, session_id: str, settings: InterviewSettings, token_hash: str | None
    ) -> None:
        stamp = now_iso()
        await self._count(
            "INSERT INTO interviewer_sessions (session_id, created_at, last_access, settings,"
            " token_hash, total_expected_questions) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                session_id,
                stamp,
                stamp,
                Jsonb(settings.model_dump(mode="json")),
                token_hash,
                settings.total_expected_questions,
            ),
        )

    async def get(self, session_id: str) -> SessionRow | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE session_id = %s", (session_id,)
        )
        return _row(rows[0]) if rows else None

    async def by_token_hash(self, token_hash: str) -> SessionRow | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE token_hash = %s", (token_hash,)
        )
        return _row(rows[0]) if rows else None

    async def all(self) -> list[SessionRow]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM interviewer_sessions ORDER BY created_at, session_id"
        )
        return [_row(r) for r in rows]

    async def touch(self, session_id: str) -> None:
        await self._count(
            "UPDATE interviewer_sessions SET last_access = %s WHERE session_id = %s",
            (now_iso(), session_id),
        )

    async def idle_since(self, cutoff: str) -> list[str]:
        rows = await self._rows(
            "SELECT session_id FROM interviewer_sessions WHERE last_access < %s", (cutoff,)
        )
        return [r["session_id"] for r in rows]

    # --- leases ---------------------------------------------------------------------------

    async def acquire(self, session_id: str, purpose: LeasePurpose) -> Lease:
        lease = Lease.new(session_id, purpose)
        changed = await self._count(
            "UPDATE interviewer_sessions SET lease_token = %s, lease_purpose = %s,"
            " lease_expires = clock_timestamp() + make_interval(secs => %s)"
            " WHERE session_id = %s AND (lease_token IS NULL OR lease_expires < clock_timestamp())",
            (lease.token, purpose, self.lease_seconds, session_id),
        )
        if changed == 1:
            return lease
        rows = await self._rows(
            "SELECT lease_purpose FROM interviewer_sessions WHERE session_id = %s", (session_id,)
        )
        if rows:
            raise SessionBusy(session_id, rows[0]["lease_purpose"])
        raise SessionNotFound(session_id)

    async def renew(self, lease: Lease) -> bool:
        changed = await self._count(
            "UPDATE interviewer_sessions"
            " SET lease_expires = clock_timestamp() + make_interval(secs => %s)"
            " WHERE session_id = %s AND lease_token = %s",
            (self.lease_seconds, lease.session_id, lease.token),
        )
        return changed == 1

    async def release(self, lease: Lease) -> None:
        await self._count(
            "UPDATE interviewer_sessions SET lease_token = NULL, lease_purpose = NULL,"
            " lease_expires = '-infinity' WHERE session_id = %s AND lease_token = %s",
            (lease.session_id, lease.token),
        )

    # --- changes --------------------------------------------------------------------------

    async def commit(
        self,
        lease: Lease,
        expected_head: str | None,
        commit: Commit,
        keep: list[tuple[str, str]] | None = None,
    ) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(
                "UPDATE interviewer_sessions SET generation = %s, head = %s, started = %s,"
                " active = %s, stage = %s, questions_asked = %s, total_expected_questions = %s,"
                " cheat_attempts = %s, turns = %s, last_access = %s, lease_token = NULL,"
                " lease_purpose = NULL, lease_expires = '-infinity'"
                " WHERE session_id = %s AND lease_token = %s"
                " AND head IS NOT DISTINCT FROM %s",
                (
                    commit.generation,
                    commit.head,
                    *_progress_params(commit.progress),
                    now_iso(),
                    lease.session_id,
                    lease.token,
                    expected_head,
                ),
            )
            if cursor.rowcount != 1:
                raise LeaseLost(lease.session_id)
            record = commit.record
            if record is not None:
                await conn.execute(
                    "INSERT INTO interviewer_turn_keys (session_id, idem_key, request_hash,"
                    " reply, events, created_at) VALUES (%s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (
                        lease.session_id,
                        record.key,
                        record.request_hash,
                        record.reply,
                        Jsonb(record.events),
                        now_iso(),
                    ),
                )
            if keep is not None:
                await _prune_on(conn, lease.session_id, keep)

    async def reset(self, lease: Lease, progress: Progress) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(
                "UPDATE interviewer_sessions SET generation = generation + 1, head = NULL,"
                " started = %s, active = %s, stage = %s, questions_asked = %s,"
                " total_expected_questions = %s, cheat_attempts = %s, turns = %s,"
                " last_access = %s, lease_token = NULL, lease_purpose = NULL,"
                " lease_expires = '-infinity' WHERE session_id = %s AND lease_token = %s",
                (*_progress_params(progress), now_iso(), lease.session_id, lease.token),
            )
            if cursor.rowcount != 1:
                raise LeaseLost(lease.session_id)
            await conn.execute(
                "DELETE FROM interviewer_reports WHERE session_id = %s", (lease.session_id,)
            )

    async def delete(self, lease: Lease) -> None:
        sid = lease.session_id
        async with self.pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(
                "DELETE FROM interviewer_sessions WHERE session_id = %s AND lease_token = %s",
                (sid, lease.token),
            )
            if cursor.rowcount != 1:
                raise LeaseLost(sid)
            for sql in (
                "DELETE FROM interviewer_turn_keys WHERE session_id = %s",
                "DELETE FROM interviewer_reports WHERE session_id = %s",
            ):
                await conn.execute(sql, (sid,))
            for table in ("checkpoint_writes", "checkpoint_blobs", "checkpoints"):
                await conn.execute(f"DELETE FROM {table} WHERE {_THREADS_OF}", (f"{sid}:%",))

    async def prune_deleted(self) -> int:
        rows = await self._rows(
            f"SELECT COUNT(DISTINCT thread_id) AS n FROM checkpoints WHERE {_ORPHAN_THREAD}"
        )
        count = int(rows[0]["n"])
        if count:
            async with self.pool.connection() as conn, conn.transaction():
                for table in ("checkpoint_writes", "checkpoint_blobs", "checkpoints"):
                    await conn.execute(f"DELETE FROM {table} WHERE {_ORPHAN_THREAD}")
        return count

    # --- idempotency ----------------------------------------------------------------------

    async def committed_turn(self, session_id: str, key: str) -> TurnRecord | None:
        rows = await self._rows(
            "SELECT idem_key, request_hash, reply, events FROM interviewer_turn_keys"
            " WHERE session_id = %s AND idem_key = %s",
            (session_id, key),
        )
        if not rows:
            return None
        r = rows[0]
        return TurnRecord(r["idem_key"], r["request_hash"], r["reply"], list(r["events"]))

    # --- saved sessions -------------------------------------------------------------------

    async def save_document(self, session_id: str, reason: str, document: dict[str, Any]) -> None:
        await self._count(
            "INSERT INTO interviewer_saved_sessions (session_id, saved_at, reason, document)"
            " VALUES (%s, %s, %s, %s)",
            (session_id, now_iso(), reason, Jsonb(document)),
        )

    async def saved_documents(self) -> list[SavedSummary]:
        rows = await self._rows(
            "SELECT session_id, saved_at, reason FROM interviewer_saved_sessions ORDER BY id"
        )
        return [SavedSummary(r["session_id"], r["saved_at"], r["reason"]) for r in rows]

    async def saved_document(self, session_id: str) -> dict[str, Any] | None:
        rows = await self._rows(
            "SELECT document FROM interviewer_saved_sessions WHERE session_id = %s"
            " ORDER BY id DESC LIMIT 1",
            (session_id,),
        )
        return dict(rows[0]["document"]) if rows else None

    # --- reports --------------------------------------------------------------------------

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        await self._count(
            "INSERT INTO interviewer_reports (session_id, report, updated_at)"
            " VALUES (%s, %s, %s) ON CONFLICT (session_id) DO UPDATE"
            " SET report = excluded.report, updated_at = excluded.updated_at",
            (session_id, Jsonb(report), now_iso()),
        )

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        rows = await self._rows(
            "SELECT report FROM interviewer_reports WHERE session_id = %s", (session_id,)
        )
        return dict(rows[0]["report"]) if rows else None

    # --- duties ---------------------------------------------------------------------------

    async def claim_duty(self, name: str, owner: str, seconds: float) -> bool:
        changed = await self._count(
            "INSERT INTO interviewer_duties (name, owner, expires)"
            " VALUES (%s, %s, clock_timestamp() + make_interval(secs => %s))"
            " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires"
            " WHERE interviewer_duties.owner = excluded.owner"
            " OR interviewer_duties.expires < clock_timestamp()",
            (name, owner, seconds),
        )
        return changed == 1


async def _prune_on(conn: Any, session_id: str, keep: list[tuple[str, str]]) -> None:
    """Delete the session's checkpoints, writes and blobs but those of `keep`, on `conn`."""
    pattern = f"{session_id}:%"
    kept = ", ".join("(%s, %s)" for _ in keep) or "(NULL, NULL)"
    pairs = tuple(value for pair in keep for value in pair)
    for table in ("checkpoint_writes", "checkpoints"):
        await conn.execute(
            f"DELETE FROM {table} WHERE {_THREADS_OF}"
            f" AND (thread_id, checkpoint_id) NOT IN (VALUES {kept})",
            (pattern, *pairs),
        )
    # A blob is a channel's value at one version; a kept checkpoint names the versions it uses.
    await conn.execute(
        "DELETE FROM checkpoint_blobs b WHERE b.thread_id LIKE %s AND NOT EXISTS ("
        " SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id"
        " AND c.checkpoint_ns = b.checkpoint_ns"
        " AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)",
        (pattern,),
    )


__all__ = ["PostgresSessionRepository"]
