"""The session repository and its backends (see `base.py` for what a session is)."""

from __future__ import annotations

from api.sessions.base import (
    Commit,
    Lease,
    LeaseLost,
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

__all__ = [
    "Commit",
    "Lease",
    "LeaseLost",
    "Progress",
    "SavedSummary",
    "SessionBusy",
    "SessionNotFound",
    "SessionRepository",
    "SessionRow",
    "TurnRecord",
    "now_iso",
    "open_repository",
    "thread_id_of",
]


def open_repository(
    database_url: str | None, db_path: str, lease_seconds: float, pool_size: int
) -> SessionRepository:
    """The repository the settings name: PostgreSQL for a `postgresql://` URL, else SQLite."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "INTERVIEWER_DATABASE_URL must be a postgresql:// URL (leave it unset for the "
                "embedded SQLite file at INTERVIEWER_DB_PATH)"
            )
        from api.sessions.postgres import PostgresSessionRepository

        return PostgresSessionRepository(database_url, lease_seconds, pool_size)
    from pathlib import Path

    from api.sessions.sqlite import SqliteSessionRepository

    return SqliteSessionRepository(Path(db_path), lease_seconds)
