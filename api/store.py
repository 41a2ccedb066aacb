"""The session registry: one row per session in the same SQLite file as the checkpoints.

The checkpoint is the truth about an interview; this table is what `/sessions` and the idle
sweeper read in one query, kept in step after every committed turn.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from graph.state import InterviewSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interview_sessions (
    session_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    last_access TEXT NOT NULL,
    settings TEXT NOT NULL,
    started INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT 'created',
    questions_asked INTEGER NOT NULL DEFAULT 0,
    total_expected_questions INTEGER NOT NULL DEFAULT 0,
    cheat_attempts INTEGER NOT NULL DEFAULT 0,
    turns INTEGER NOT NULL DEFAULT 0,
    token_hash TEXT
);
CREATE INDEX IF NOT EXISTS interview_sessions_last_access
    ON interview_sessions (last_access);
CREATE INDEX IF NOT EXISTS interview_sessions_token_hash
    ON interview_sessions (token_hash);
"""


def now_iso() -> str:
    """Timestamps as the seed shows them: ISO 8601 with microseconds (UTC, naive)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Progress:
    """What a committed turn changes in the registry."""

    started: bool
    active: bool
    stage: str
    questions_asked: int
    total_expected_questions: int
    cheat_attempts: int
    turns: int


@dataclass(frozen=True)
class SessionRow(Progress):
    """One registry row: the session's identity and settings, and its progress."""

    session_id: str
    created_at: str
    last_access: str
    settings: InterviewSettings
    token_hash: str | None


async def open_connection(path: Path) -> aiosqlite.Connection:
    """A connection in WAL mode with a busy timeout, so readers never block the writer.

    Write transactions start IMMEDIATE: a deferred one that read first and then wants to write
    fails at once with "database is locked" (no busy wait) if the other connection committed in
    between; taking the write lock up front makes it wait its turn instead.
    """
    conn = await aiosqlite.connect(str(path), isolation_level="IMMEDIATE")
    for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=NORMAL"):
        await conn.execute_fetchall(f"PRAGMA {pragma}")
    return conn


class SessionStore:
    """Async access to the registry table.

    Writes take `write_lock`, the checkpoint saver's own lock: with one writer at a time in the
    process, the two connections never wait on each other's SQLite write lock.
    """

    def __init__(self, conn: aiosqlite.Connection, write_lock: asyncio.Lock) -> None:
        self._conn = conn
        self._write_lock = write_lock

    async def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        # One call on the connection's thread: an `execute` then a separate `fetch` would leave
        # a read snapshot open in between, and a write queued there fails with BUSY_SNAPSHOT.
        return list(await self._conn.execute_fetchall(sql, params))

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        async with self._write_lock:
            try:
                await self._conn.execute(sql, params)
                await self._conn.commit()
            except BaseException:
                # Never leave the connection inside a failed transaction: every later write
                # would fail with it.
                await self._conn.rollback()
                raise

    async def setup(self) -> None:
        async with self._write_lock:
            await self._conn.executescript(_SCHEMA)
            await self._conn.commit()

    async def create(
        self, session_id: str, settings: InterviewSettings, token_hash: str | None = None
    ) -> None:
        stamp = now_iso()
        await self._write(
            "INSERT INTO interview_sessions (session_id, created_at, last_access, settings,"
            " total_expected_questions, token_hash) VALUES (?, ?, ?, ?, ?, ?)",
            (
                session_id,
                stamp,
                stamp,
                settings.model_dump_json(),
                settings.total_expected_questions,
                token_hash,
            ),
        )

    async def get(self, session_id: str) -> SessionRow | None:
        rows = await self._read(
            f"SELECT {_SELECT} FROM interview_sessions WHERE session_id = ?", (session_id,)
        )
        return _row(rows[0]) if rows else None

    async def by_token_hash(self, token_hash: str) -> SessionRow | None:
        rows = await self._read(
            f"SELECT {_SELECT} FROM interview_sessions WHERE token_hash = ?", (token_hash,)
        )
        return _row(rows[0]) if rows else None

    async def touch(self, session_id: str) -> None:
        await self._write(
            "UPDATE interview_sessions SET last_access = ? WHERE session_id = ?",
            (now_iso(), session_id),
        )

    async def record(self, session_id: str, progress: Progress) -> None:
        await self._write(
            "UPDATE interview_sessions SET last_access = ?, started = ?, active = ?, stage = ?,"
            " questions_asked = ?, total_expected_questions = ?, cheat_attempts = ?, turns = ?"
            " WHERE session_id = ?",
            (
                now_iso(),
                int(progress.started),
                int(progress.active),
                progress.stage,
                progress.questions_asked,
                progress.total_expected_questions,
                progress.cheat_attempts,
                progress.turns,
                session_id,
            ),
        )

    async def delete(self, session_id: str) -> None:
        await self._write("DELETE FROM interview_sessions WHERE session_id = ?", (session_id,))

    async def all(self) -> list[SessionRow]:
        rows = await self._read(f"SELECT {_SELECT} FROM interview_sessions ORDER BY created_at")
        return [_row(r) for r in rows]

    async def idle_since(self, cutoff: str) -> list[str]:
        rows = await self._read(
            "SELECT session_id FROM interview_sessions WHERE last_access < ?", (cutoff,)
        )
        return [r[0] for r in rows]


_COLUMNS = [
    "session_id",
    "created_at",
    "last_access",
    "settings",
    "started",
    "active",
    "stage",
    "questions_asked",
    "total_expected_questions",
    "cheat_attempts",
    "turns",
    "token_hash",
]
_SELECT = ", ".join(_COLUMNS)


def _row(row: Any) -> SessionRow:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["settings"] = InterviewSettings.model_validate(json.loads(values["settings"]))
    values["started"] = bool(values["started"])
    values["active"] = bool(values["active"])
    return SessionRow(**values)
