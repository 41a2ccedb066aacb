"""The schema's versions: an ordered list of migrations, applied at start-up.

`MIGRATIONS` is the one place a schema change goes: append a `Migration` with the next
version, never edit one that has shipped (docs/CHANGING.md, "Add a migration"). At start-up
every process runs `migrate` under the database's start-up lock (SQLite: a write transaction;
PostgreSQL: the advisory lock its replicas already take for LangGraph's own setup), so processes
starting together apply each migration exactly once, in order, each in one transaction together
with its row in `interviewer_schema_version` (on SQLite, where the lock is a write transaction,
a start-up's whole upgrade is that one transaction). A database whose version is newer than the last
migration here was upgraded by a newer release: the service refuses to start on it.

Statements are templates in the notation of `api/sessions/dialect.py` (`{json}`, `{flag}`,
`{false}`, `{instant}`, `{never}`, `{serial_key}` for the types that differ).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from api.sessions.base import now_iso
from api.sessions.dialect import Dialect


@dataclass(frozen=True)
class Migration:
    version: int
    """1, 2, 3, ...: its place in the list, recorded once applied."""
    title: str
    """What it changes, as `interviewer_schema_version` records it."""
    statements: tuple[str, ...]
    """Run in order, in one transaction (no CREATE INDEX CONCURRENTLY, which cannot)."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sessions, idempotency keys, saved documents, reports and duties (release bad08b4)",
        (
            # IF NOT EXISTS: a database of bad08b4, which had no versions, has these already.
            """CREATE TABLE IF NOT EXISTS interviewer_sessions (
                session_id TEXT PRIMARY KEY,
                created_at TEXT NOT NULL,
                last_access TEXT NOT NULL,
                settings {json} NOT NULL,
                token_hash TEXT,
                generation INTEGER NOT NULL DEFAULT 0,
                head TEXT,
                started {flag} NOT NULL DEFAULT {false},
                active {flag} NOT NULL DEFAULT {false},
                stage TEXT NOT NULL DEFAULT 'created',
                questions_asked INTEGER NOT NULL DEFAULT 0,
                total_expected_questions INTEGER NOT NULL DEFAULT 0,
                cheat_attempts INTEGER NOT NULL DEFAULT 0,
                turns INTEGER NOT NULL DEFAULT 0,
                lease_token TEXT,
                lease_purpose TEXT,
                lease_expires {instant} NOT NULL DEFAULT {never}
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
                events {json} NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (session_id, idem_key)
            )""",
            """CREATE TABLE IF NOT EXISTS interviewer_saved_sessions (
                id {serial_key},
                session_id TEXT NOT NULL,
                saved_at TEXT NOT NULL,
                reason TEXT NOT NULL,
                document {json} NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS interviewer_saved_sessions_session"
            " ON interviewer_saved_sessions (session_id, id)",
            """CREATE TABLE IF NOT EXISTS interviewer_reports (
                session_id TEXT PRIMARY KEY,
                report {json} NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS interviewer_duties (
                name TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                expires {instant} NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "audit log: a hash chain of who did what, kept apart from the sessions",
        (
            # `seq` is the entry's place in the chain: its primary key lets only one appender
            # take a place, so appenders racing on any replica never fork the chain.
            # `details` is the canonical JSON text the hash covers, kept as text so that the
            # database never re-spells it (JSONB would reorder and renormalise it).
            # No foreign key to the sessions: entries outlive the session's deletion.
            """CREATE TABLE interviewer_audit_log (
                seq BIGINT PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT NOT NULL,
                session_id TEXT,
                action TEXT NOT NULL,
                details TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )""",
            "CREATE INDEX interviewer_audit_log_session ON interviewer_audit_log (session_id, seq)",
            "CREATE INDEX interviewer_audit_log_at ON interviewer_audit_log (at)",
        ),
    ),
    Migration(
        3,
        "idempotency keys scoped to the interview's generation (a reset forgets them)",
        (
            # A primary key cannot change in place on SQLite: a new table, the rows, a rename.
            # A key kept from before is taken to be of the session's current interview.
            """CREATE TABLE interviewer_turn_keys_scoped (
                session_id TEXT NOT NULL,
                generation INTEGER NOT NULL,
                idem_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                reply TEXT NOT NULL,
                events {json} NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (session_id, generation, idem_key)
            )""",
            "INSERT INTO interviewer_turn_keys_scoped (session_id, generation, idem_key,"
            " request_hash, reply, events, created_at)"
            " SELECT k.session_id, COALESCE(s.generation, 0), k.idem_key, k.request_hash,"
            " k.reply, k.events, k.created_at FROM interviewer_turn_keys k"
            " LEFT JOIN interviewer_sessions s ON s.session_id = k.session_id",
            "DROP TABLE interviewer_turn_keys",
            "ALTER TABLE interviewer_turn_keys_scoped RENAME TO interviewer_turn_keys",
        ),
    ),
    Migration(
        4,
        "one saved document per session, interview generation and reason",
        (
            # Documents saved before have no generation (NULL): both databases treat NULLs
            # as distinct in a unique index, so they all stay, and only new ones are merged.
            "ALTER TABLE interviewer_saved_sessions ADD COLUMN generation INTEGER",
            "CREATE UNIQUE INDEX interviewer_saved_sessions_once"
            " ON interviewer_saved_sessions (session_id, generation, reason)",
        ),
    ),
    Migration(
        5,
        "the session list's order as an index (pages read by a cursor)",
        (
            "CREATE INDEX interviewer_sessions_created"
            " ON interviewer_sessions (created_at, session_id)",
        ),
    ),
    # Append the next migration here (version 6, ...).
)

VERSION_TABLE = """CREATE TABLE IF NOT EXISTS interviewer_schema_version (
    version INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    applied_at TEXT NOT NULL
)"""
CURRENT_VERSION = "SELECT MAX(version) FROM interviewer_schema_version"
RECORD_VERSION = (
    "INSERT INTO interviewer_schema_version (version, title, applied_at) VALUES (?, ?, ?)"
)


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer release than this one."""

    def __init__(self, found: int, known: int, where: str) -> None:
        super().__init__(
            f"The database ({where}) has schema version {found}, but this release only knows "
            f"versions up to {known}: a newer release has upgraded it. Run that release or a "
            "newer one, or restore a backup taken before the upgrade. Refusing to start rather "
            "than write to a schema this code does not know."
        )
        self.found = found
        self.known = known


class LockedConnection(Protocol):
    """A connection of the database's adapter, inside its start-up lock."""

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; the rows it returned (none for most)."""
        ...

    def transaction(self) -> contextlib.AbstractAsyncContextManager[None]:
        """A transaction: committed if the block ends, rolled back if it raises."""
        ...


def check(migrations: Sequence[Migration]) -> None:
    """The list is 1, 2, 3, ... in order (a gap or a repeat is a merge gone wrong)."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3, ... in order; found {versions}")


async def migrate(
    conn: LockedConnection,
    dialect: Dialect,
    where: str,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[int]:
    """Apply the migrations the database has not had, in order; the versions applied.

    The caller holds the start-up lock, so no other process migrates meanwhile; the version's
    primary key would refuse a second application anyway.
    """
    check(migrations)
    await conn.execute(dialect.sql(VERSION_TABLE))
    found = (await conn.execute(dialect.sql(CURRENT_VERSION)))[0][0] or 0
    if found > len(migrations):
        raise SchemaTooNew(found, len(migrations), where)
    applied = []
    for migration in migrations[found:]:
        async with conn.transaction():
            for statement in migration.statements:
                await conn.execute(dialect.sql(statement))
            await conn.execute(
                dialect.sql(RECORD_VERSION), (migration.version, migration.title, now_iso())
            )
        applied.append(migration.version)
    return applied
