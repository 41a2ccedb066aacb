"""The session repository and its database adapters (see `repository.py` for what a session
is, `migrations.py` for the schema's versions, `leases.py` for the lease rules)."""

from __future__ import annotations

from api.sessions.base import (
    Commit,
    DeliveryRow,
    Lease,
    Progress,
    SavedSummary,
    SessionRow,
    TurnRecord,
    now_iso,
)
from api.sessions.errors import (
    DatabaseUnavailable,
    LeaseLost,
    SessionBusy,
    SessionNotFound,
    database_failure,
)
from api.sessions.leases import LeasePolicy
from api.sessions.migrations import SchemaTooNew
from api.sessions.repository import SessionRepository

__all__ = [
    "Commit",
    "DatabaseUnavailable",
    "DeliveryRow",
    "Lease",
    "LeaseLost",
    "LeasePolicy",
    "Progress",
    "SavedSummary",
    "SchemaTooNew",
    "SessionBusy",
    "SessionNotFound",
    "SessionRepository",
    "SessionRow",
    "TurnRecord",
    "database_failure",
    "now_iso",
    "open_repository",
]


def open_repository(
    database_url: str | None,
    db_path: str,
    leases: LeasePolicy,
    pool_size: int,
    statement_timeout: float = 5.0,
    lock_timeout: float = 2.0,
) -> SessionRepository:
    """The repository the settings name: PostgreSQL for a `postgresql://` URL, else SQLite."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "INTERVIEWER_DATABASE_URL must be a postgresql:// URL (leave it unset for the "
                "embedded SQLite file at INTERVIEWER_DB_PATH)"
            )
        from api.sessions.postgres import PostgresDatabase

        return SessionRepository(
            PostgresDatabase(database_url, pool_size, statement_timeout, lock_timeout), leases
        )
    from pathlib import Path

    from api.sessions.sqlite import SqliteDatabase

    return SessionRepository(SqliteDatabase(Path(db_path)), leases)
