"""The SQLite session repository: the embedded default, one file for sessions and checkpoints.

Several processes may serve the same file: every change takes the session's lease with one
conditional UPDATE, and SQLite's own file locking (WAL, a busy timeout, write transactions that
start IMMEDIATE) serialises the writes, whatever path or link each process opened the file by.
Lease expiry uses this machine's clock, which every process on the file shares.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

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
    thread_id_of,
)
from api.sessions.sqlite_thread import SqliteThread, ThreadedSqliteSaver, connect, transaction
from graph.state import InterviewSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interviewer_sessions (
    session_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    last_access TEXT NOT NULL,
    settings TEXT NOT NULL,
    token_hash TEXT,
    generation INTEGER NOT NULL DEFAULT 0,
    head TEXT,
    started INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT 'created',
    questions_asked INTEGER NOT NULL DEFAULT 0,
    total_expected_questions INTEGER NOT NULL DEFAULT 0,
    cheat_attempts INTEGER NOT NULL DEFAULT 0,
    turns INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    lease_purpose TEXT,
    lease_expires REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS interviewer_sessions_last_access
    ON interviewer_sessions (last_access);
CREATE INDEX IF NOT EXISTS interviewer_sessions_token_hash
    ON interviewer_sessions (token_hash);
CREATE TABLE IF NOT EXISTS interviewer_turn_keys (
    session_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    reply TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, idem_key)
);
CREATE TABLE IF NOT EXISTS interviewer_saved_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS interviewer_saved_sessions_session
    ON interviewer_saved_sessions (session_id, id);
CREATE TABLE IF NOT EXISTS interviewer_reports (
    session_id TEXT PRIMARY KEY,
    report TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interviewer_duties (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""

_COLUMNS = (
    "session_id, created_at, last_access, settings, token_hash, generation, head, started,"
    " active, stage, questions_asked, total_expected_questions, cheat_attempts, turns"
)


def _row(values: Any) -> SessionRow:
    (sid, created, access, settings, token_hash, generation, head, started, active, stage) = values[
        :10
    ]
    asked, total, cheats, turns = values[10:14]
    return SessionRow(
        session_id=sid,
        created_at=created,
        last_access=access,
        settings=InterviewSettings.model_validate_json(settings),
        token_hash=token_hash,
        generation=generation,
        head=head,
        started=bool(started),
        active=bool(active),
        stage=stage,
        questions_asked=asked,
        total_expected_questions=total,
        cheat_attempts=cheats,
        turns=turns,
    )


def _progress_params(p: Progress) -> tuple[Any, ...]:
    return (
        int(p.started),
        int(p.active),
        p.stage,
        p.questions_asked,
        p.total_expected_questions,
        p.cheat_attempts,
        p.turns,
    )


def _prune_statements(
    session_id: str, keep: list[tuple[str, str]]
) -> list[tuple[str, tuple[Any, ...]]]:
    """Delete every checkpoint (and its writes) of the session's threads but those in `keep`."""
    low, high = _thread_range(session_id)
    kept = ", ".join("(?, ?)" for _ in keep) or "(NULL, NULL)"
    pairs = tuple(value for pair in keep for value in pair)
    return [
        (
            f"DELETE FROM {table} WHERE thread_id >= ? AND thread_id < ?"
            f" AND (thread_id, checkpoint_id) NOT IN (VALUES {kept})",
            (low, high, *pairs),
        )
        for table in ("writes", "checkpoints")
    ]


def _thread_range(session_id: str) -> tuple[str, str]:
    # Every thread of a session is "<id>:<generation>"; ';' sorts right after ':', so this
    # range is exactly the session's threads and uses the checkpoint tables' primary key.
    return f"{session_id}:", f"{session_id};"


def open_connection(path: Path) -> sqlite3.Connection:
    """A connection as the repository opens it (WAL, busy timeout, IMMEDIATE writes)."""
    return connect(path)


class SharedFileRefused(RuntimeError):
    """The database file is reachable by several hard links; serving it would risk corruption."""


class SqliteSessionRepository(SessionRepository):
    """Sessions and LangGraph checkpoints in one SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path, lease_seconds: float = 10.0) -> None:
        self.path = path
        self.lease_seconds = lease_seconds
        self._db: SqliteThread | None = None
        self._saver: ThreadedSqliteSaver | None = None

    @property
    def saver(self) -> BaseCheckpointSaver[str]:
        assert self._saver is not None, "setup() first"
        return self._saver

    @property
    def db(self) -> SqliteThread:
        assert self._db is not None, "setup() first"
        return self._db

    async def setup(self) -> None:
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
        self._saver = ThreadedSqliteSaver(self._db)
        await self._saver.asetup()

        def schema(conn: sqlite3.Connection) -> None:
            conn.executescript(_SCHEMA)
            conn.commit()

        await self._db.run(schema, self._db.conn)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
        self._db = self._saver = None

    # --- plumbing -------------------------------------------------------------------------

    async def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        def read(conn: sqlite3.Connection) -> list[Any]:
            return conn.execute(sql, params).fetchall()

        return await self.db.run(read, self.db.conn)

    async def _write(self, *statements: tuple[str, tuple[Any, ...]]) -> list[int]:
        """Run statements in one transaction; the rows each changed."""

        def write(conn: sqlite3.Connection) -> list[int]:
            return [conn.execute(sql, params).rowcount for sql, params in statements]

        return await self.db.run(transaction, self.db.conn, write)

    # --- sessions -------------------------------------------------------------------------

    async def create(
        self, session_id: str, settings: InterviewSettings, token_hash: str | None
    ) -> None:
        stamp = now_iso()
        await self._write(
            (
                "INSERT INTO interviewer_sessions (session_id, created_at, last_access, settings,"
                " token_hash, total_expected_questions) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    stamp,
                    stamp,
                    settings.model_dump_json(),
                    token_hash,
                    settings.total_expected_questions,
                ),
            )
        )

    async def get(self, session_id: str) -> SessionRow | None:
        rows = await self._read(
            f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE session_id = ?", (session_id,)
        )
        return _row(rows[0]) if rows else None

    async def by_token_hash(self, token_hash: str) -> SessionRow | None:
        rows = await self._read(
            f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE token_hash = ?", (token_hash,)
        )
        return _row(rows[0]) if rows else None

    async def all(self) -> list[SessionRow]:
        rows = await self._read(
            f"SELECT {_COLUMNS} FROM interviewer_sessions ORDER BY created_at, session_id"
        )
        return [_row(r) for r in rows]

    async def touch(self, session_id: str) -> None:
        await self._write(
            (
                "UPDATE interviewer_sessions SET last_access = ? WHERE session_id = ?",
                (now_iso(), session_id),
            )
        )

    async def idle_since(self, cutoff: str) -> list[str]:
        rows = await self._read(
            "SELECT session_id FROM interviewer_sessions WHERE last_access < ?", (cutoff,)
        )
        return [r[0] for r in rows]

    # --- leases ---------------------------------------------------------------------------

    async def acquire(self, session_id: str, purpose: LeasePurpose) -> Lease:
        return (await self._claim(session_id, purpose, read_row=False))[0]

    async def claim(self, session_id: str, purpose: LeasePurpose) -> tuple[Lease, SessionRow]:
        lease, row = await self._claim(session_id, purpose, read_row=True)
        assert row is not None
        return lease, row

    async def _claim(
        self, session_id: str, purpose: LeasePurpose, *, read_row: bool
    ) -> tuple[Lease, SessionRow | None]:
        lease = Lease.new(session_id, purpose)
        now = time.time()

        def claim(conn: sqlite3.Connection) -> tuple[bool, list[Any]]:
            changed = conn.execute(
                "UPDATE interviewer_sessions SET lease_token = ?, lease_purpose = ?,"
                " lease_expires = ? WHERE session_id = ?"
                " AND (lease_token IS NULL OR lease_expires < ?)",
                (lease.token, purpose, now + self.lease_seconds, session_id, now),
            ).rowcount
            if changed == 1 and not read_row:
                return True, []
            if changed == 1:
                sql = f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE session_id = ?"
            else:
                sql = "SELECT lease_purpose FROM interviewer_sessions WHERE session_id = ?"
            return changed == 1, conn.execute(sql, (session_id,)).fetchall()

        taken, rows = await self.db.run(transaction, self.db.conn, claim)
        if taken:
            return lease, (_row(rows[0]) if rows else None)
        if rows:
            raise SessionBusy(session_id, rows[0][0])
        raise SessionNotFound(session_id)

    async def renew(self, lease: Lease) -> bool:
        (changed,) = await self._write(
            (
                "UPDATE interviewer_sessions SET lease_expires = ?"
                " WHERE session_id = ? AND lease_token = ?",
                (time.time() + self.lease_seconds, lease.session_id, lease.token),
            )
        )
        return changed == 1

    async def release(self, lease: Lease) -> None:
        await self._write(
            (
                "UPDATE interviewer_sessions SET lease_token = NULL, lease_purpose = NULL,"
                " lease_expires = 0 WHERE session_id = ? AND lease_token = ?",
                (lease.session_id, lease.token),
            )
        )

    # --- changes --------------------------------------------------------------------------

    async def commit(
        self,
        lease: Lease,
        expected_head: str | None,
        commit: Commit,
        keep: list[tuple[str, str]] | None = None,
    ) -> None:
        stamp = now_iso()

        def move_head(conn: sqlite3.Connection) -> None:
            matched = conn.execute(
                "UPDATE interviewer_sessions SET generation = ?, head = ?, started = ?,"
                " active = ?, stage = ?, questions_asked = ?, total_expected_questions = ?,"
                " cheat_attempts = ?, turns = ?, last_access = ?, lease_token = NULL,"
                " lease_purpose = NULL, lease_expires = 0"
                " WHERE session_id = ? AND lease_token = ? AND head IS ?",
                (
                    commit.generation,
                    commit.head,
                    *_progress_params(commit.progress),
                    stamp,
                    lease.session_id,
                    lease.token,
                    expected_head,
                ),
            ).rowcount
            if matched != 1:
                raise LeaseLost(lease.session_id)
            record = commit.record
            if record is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO interviewer_turn_keys (session_id, idem_key,"
                    " request_hash, reply, events, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        lease.session_id,
                        record.key,
                        record.request_hash,
                        record.reply,
                        json.dumps(record.events),
                        stamp,
                    ),
                )
            if keep is not None:
                for sql, params in _prune_statements(lease.session_id, keep):
                    conn.execute(sql, params)

        await self.db.run(transaction, self.db.conn, move_head)

    async def reset(self, lease: Lease, progress: Progress) -> None:
        (changed, _) = await self._write(
            (
                "UPDATE interviewer_sessions SET generation = generation + 1, head = NULL,"
                " started = ?, active = ?, stage = ?, questions_asked = ?,"
                " total_expected_questions = ?, cheat_attempts = ?, turns = ?, last_access = ?,"
                " lease_token = NULL, lease_purpose = NULL, lease_expires = 0"
                " WHERE session_id = ? AND lease_token = ?",
                (*_progress_params(progress), now_iso(), lease.session_id, lease.token),
            ),
            ("DELETE FROM interviewer_reports WHERE session_id = ?", (lease.session_id,)),
        )
        if changed != 1:
            raise LeaseLost(lease.session_id)

    async def delete(self, lease: Lease) -> None:
        sid = lease.session_id
        low, high = _thread_range(sid)
        (changed, *_) = await self._write(
            (
                "DELETE FROM interviewer_sessions WHERE session_id = ? AND lease_token = ?",
                (sid, lease.token),
            ),
            ("DELETE FROM interviewer_turn_keys WHERE session_id = ?", (sid,)),
            ("DELETE FROM interviewer_reports WHERE session_id = ?", (sid,)),
            ("DELETE FROM writes WHERE thread_id >= ? AND thread_id < ?", (low, high)),
            ("DELETE FROM checkpoints WHERE thread_id >= ? AND thread_id < ?", (low, high)),
        )
        if changed != 1:
            raise LeaseLost(sid)

    async def prune_deleted(self) -> int:
        orphan = (
            "length(thread_id) > 37 AND substr(thread_id, 37, 1) = ':' AND substr(thread_id, 1, 36)"
            " NOT IN (SELECT session_id FROM interviewer_sessions)"
        )
        rows = await self._read(f"SELECT COUNT(DISTINCT thread_id) FROM checkpoints WHERE {orphan}")
        if not rows[0][0]:
            return 0
        await self._write(
            (f"DELETE FROM writes WHERE {orphan}", ()),
            (f"DELETE FROM checkpoints WHERE {orphan}", ()),
        )
        return int(rows[0][0])

    # --- idempotency ----------------------------------------------------------------------

    async def committed_turn(self, session_id: str, key: str) -> TurnRecord | None:
        rows = await self._read(
            "SELECT idem_key, request_hash, reply, events FROM interviewer_turn_keys"
            " WHERE session_id = ? AND idem_key = ?",
            (session_id, key),
        )
        if not rows:
            return None
        key, request_hash, reply, events = rows[0]
        return TurnRecord(key, request_hash, reply, json.loads(events))

    # --- saved sessions -------------------------------------------------------------------

    async def save_document(self, session_id: str, reason: str, document: dict[str, Any]) -> None:
        await self._write(
            (
                "INSERT INTO interviewer_saved_sessions (session_id, saved_at, reason, document)"
                " VALUES (?, ?, ?, ?)",
                (session_id, now_iso(), reason, json.dumps(document, ensure_ascii=False)),
            )
        )

    async def saved_documents(self) -> list[SavedSummary]:
        rows = await self._read(
            "SELECT session_id, saved_at, reason FROM interviewer_saved_sessions ORDER BY id"
        )
        return [SavedSummary(*r) for r in rows]

    async def saved_document(self, session_id: str) -> dict[str, Any] | None:
        rows = await self._read(
            "SELECT document FROM interviewer_saved_sessions WHERE session_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (session_id,),
        )
        return json.loads(rows[0][0]) if rows else None

    # --- reports --------------------------------------------------------------------------

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        await self._write(
            (
                "INSERT INTO interviewer_reports (session_id, report, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (session_id) DO UPDATE SET report = excluded.report,"
                " updated_at = excluded.updated_at",
                (session_id, json.dumps(report, ensure_ascii=False), now_iso()),
            )
        )

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        rows = await self._read(
            "SELECT report FROM interviewer_reports WHERE session_id = ?", (session_id,)
        )
        return json.loads(rows[0][0]) if rows else None

    # --- duties ---------------------------------------------------------------------------

    async def claim_duty(self, name: str, owner: str, seconds: float) -> bool:
        now = time.time()
        (changed,) = await self._write(
            (
                "INSERT INTO interviewer_duties (name, owner, expires) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
                " expires = excluded.expires"
                " WHERE interviewer_duties.owner = excluded.owner"
                " OR interviewer_duties.expires < ?",
                (name, owner, now + seconds, now),
            )
        )
        return changed == 1


__all__ = ["SqliteSessionRepository", "open_connection", "thread_id_of"]
