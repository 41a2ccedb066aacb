"""Where reports are kept: the `ReportStore` protocol and its SQLite table.

A report is stored as one JSON document per session (the report itself, or a small
`{"status": "pending" | "failed", ...}` marker). The table lives in the same SQLite file as the
sessions, and triggers keep it in step with them: deleting a session deletes its report, and
restarting or resetting the interview drops the report of the transcript that no longer exists.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

import aiosqlite

from api.store import now_iso

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    session_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    report TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS reports_follow_deleted_sessions
AFTER DELETE ON interview_sessions
BEGIN
    DELETE FROM reports WHERE session_id = OLD.session_id;
END;
CREATE TRIGGER IF NOT EXISTS reports_follow_restarted_sessions
AFTER UPDATE OF started, active ON interview_sessions
WHEN NEW.started = 0 OR (NEW.active = 1 AND OLD.active = 0)
BEGIN
    DELETE FROM reports WHERE session_id = NEW.session_id;
END;
"""


class ReportStore(Protocol):
    """What the evaluation needs from storage (the session repository implements it too)."""

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        """Store `report` as the session's report, replacing any earlier one."""
        ...

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        """The session's report, or None if none was stored."""
        ...


class SqliteReportStore:
    """`ReportStore` on the service's SQLite file.

    Writes take `write_lock` (the checkpoint saver's lock), like the session registry's, so the
    process has one SQLite writer at a time.
    """

    def __init__(self, conn: aiosqlite.Connection, write_lock: asyncio.Lock) -> None:
        self._conn = conn
        self._write_lock = write_lock

    async def setup(self) -> None:
        async with self._write_lock:
            await self._conn.executescript(_SCHEMA)
            await self._conn.commit()

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        async with self._write_lock:
            try:
                # Only for a session that still exists: a late evaluation of a deleted session
                # must not leave an orphan row behind.
                await self._conn.execute(
                    "INSERT INTO reports (session_id, status, report, updated_at)"
                    " SELECT ?, ?, ?, ? WHERE EXISTS"
                    " (SELECT 1 FROM interview_sessions WHERE session_id = ?)"
                    " ON CONFLICT (session_id) DO UPDATE SET status = excluded.status,"
                    " report = excluded.report, updated_at = excluded.updated_at",
                    (
                        session_id,
                        str(report.get("status", "ready")),
                        json.dumps(report, ensure_ascii=False),
                        now_iso(),
                        session_id,
                    ),
                )
                await self._conn.commit()
            except BaseException:
                await self._conn.rollback()
                raise

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT report FROM reports WHERE session_id = ?", (session_id,)
            )
        )
        if not rows:
            return None
        report: dict[str, Any] = json.loads(rows[0][0])
        return report
