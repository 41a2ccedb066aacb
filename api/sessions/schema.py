"""The session tables' columns, row mapping and statements, written once for every database.

Templates follow `api/sessions/dialect.py`: `?` for each parameter, `{name}` for what a dialect
spells its own way. The tables themselves are made by the migrations (`migrations.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.sessions.base import Progress, SessionRow
from api.sessions.dialect import Dialect
from api.sessions.threads import ORPHAN_THREAD_SQL
from graph.state import InterviewSettings

PROGRESS_COLUMNS = (
    "started",
    "active",
    "stage",
    "questions_asked",
    "total_expected_questions",
    "cheat_attempts",
    "turns",
)
"""What the head implies, in `Progress`'s field order."""

SESSION_COLUMNS = (
    "session_id",
    "created_at",
    "last_access",
    "settings",
    "token_hash",
    "generation",
    "head",
    *PROGRESS_COLUMNS,
)
"""A session row as `SessionRow` reads it."""

_COLUMNS = ", ".join(SESSION_COLUMNS)
_SET_PROGRESS = ", ".join(f"{column} = ?" for column in PROGRESS_COLUMNS)
_FREE = "lease_token = NULL, lease_purpose = NULL, lease_expires = {never}"
_CLAIMABLE = "(lease_token IS NULL OR lease_expires < {now})"


def session_row(values: Sequence[Any], dialect: Dialect) -> SessionRow:
    """A row of `SESSION_COLUMNS` as the session it is."""
    row = dict(zip(SESSION_COLUMNS, values, strict=True))
    settings = InterviewSettings.model_validate(dialect.decode_json(row.pop("settings")))
    row["started"], row["active"] = bool(row["started"]), bool(row["active"])
    return SessionRow(settings=settings, **row)


def progress_params(progress: Progress) -> tuple[Any, ...]:
    """`progress` as the parameters of `_SET_PROGRESS`."""
    return tuple(getattr(progress, column) for column in PROGRESS_COLUMNS)


# --- sessions --------------------------------------------------------------------------------

INSERT_SESSION = (
    "INSERT INTO interviewer_sessions (session_id, created_at, last_access, settings,"
    " token_hash, total_expected_questions) SELECT ?, ?, ?, ?, ?, ?"
    " WHERE (SELECT COUNT(*) FROM interviewer_sessions) < ?"
)
"""(session, created, last access, settings, token hash, total, cap): nothing past the cap."""
SESSION_BY_ID = f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE session_id = ?"
SESSION_BY_TOKEN = f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE token_hash = ?"

_SUMMARY = (
    "session_id, created_at, last_access, active, questions_asked, total_expected_questions,"
    " stage, cheat_attempts, COALESCE({candidate_name}, ''), COALESCE({job_position}, '')"
)
SESSION_PAGE = (
    f"SELECT {_SUMMARY} FROM interviewer_sessions ORDER BY created_at, session_id LIMIT ?"
)
"""(limit): the first page of the list."""
SESSION_PAGE_AFTER = (
    f"SELECT {_SUMMARY} FROM interviewer_sessions"
    " WHERE created_at > ? OR (created_at = ? AND session_id > ?)"
    " ORDER BY created_at, session_id LIMIT ?"
)
"""(created, created, session, limit): the page after a cursor (keyset: constant cost)."""
ALL_SESSIONS = f"SELECT {_COLUMNS} FROM interviewer_sessions ORDER BY created_at, session_id"
IDLE_SINCE = "SELECT session_id FROM interviewer_sessions WHERE last_access < ?"

# --- leases: (token, purpose, seconds, session) / (seconds, session, token) / (session, token) -

CLAIM = (
    "UPDATE interviewer_sessions SET lease_token = ?, lease_purpose = ?, lease_expires = {later}"
    f" WHERE session_id = ? AND {_CLAIMABLE}"
)
CLAIMED = (
    f"SELECT lease_token, lease_purpose, {_COLUMNS} FROM interviewer_sessions WHERE session_id = ?"
)
RENEW = (
    "UPDATE interviewer_sessions SET lease_expires = {later}"
    " WHERE session_id = ? AND lease_token = ?"
)
RELEASE = f"UPDATE interviewer_sessions SET {_FREE} WHERE session_id = ? AND lease_token = ?"

# --- changes under a lease -------------------------------------------------------------------

MOVE_HEAD = (
    f"UPDATE interviewer_sessions SET generation = ?, head = ?, {_SET_PROGRESS},"
    f" last_access = ?, {_FREE}"
    " WHERE session_id = ? AND lease_token = ? AND head {not_distinct} ?"
)
"""(generation, head, *progress, last_access, session, token, expected head)"""
RESET = (
    f"UPDATE interviewer_sessions SET generation = generation + 1, head = NULL, {_SET_PROGRESS},"
    f" last_access = ?, {_FREE} WHERE session_id = ? AND lease_token = ?"
)
"""(*progress, last_access, session, token)"""
DELETE_SESSION = "DELETE FROM interviewer_sessions WHERE session_id = ? AND lease_token = ?"
DELETE_TURN_KEYS = "DELETE FROM interviewer_turn_keys WHERE session_id = ?"
DELETE_REPORT = "DELETE FROM interviewer_reports WHERE session_id = ?"

# --- idempotency keys, saved documents, reports, duties --------------------------------------

INSERT_TURN_KEY = (
    "INSERT INTO interviewer_turn_keys (session_id, generation, idem_key, request_hash, reply,"
    " events, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
"""(session, generation, key, hash, reply, events, created_at)"""
TURN_KEY = (
    "SELECT k.idem_key, k.request_hash, k.reply, k.events FROM interviewer_turn_keys k"
    " JOIN interviewer_sessions s ON s.session_id = k.session_id"
    " AND s.generation = k.generation WHERE k.session_id = ? AND k.idem_key = ?"
)
"""A key of the session's current interview only: a reset (or a restart) starts afresh."""
UPSERT_SAVED = (
    "INSERT INTO interviewer_saved_sessions (session_id, generation, saved_at, reason, document)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, generation, reason)"
    " DO UPDATE SET saved_at = excluded.saved_at, document = excluded.document"
)
"""One document per session, generation and reason: saving again (a retried delete or
expiry, a second save) replaces it rather than piling up copies."""
SAVED_LIST = (
    "SELECT session_id, saved_at, reason FROM interviewer_saved_sessions ORDER BY saved_at, id"
)
SAVED_LATEST = (
    "SELECT document FROM interviewer_saved_sessions WHERE session_id = ?"
    " ORDER BY saved_at DESC, id DESC LIMIT 1"
)
UPSERT_REPORT = (
    "INSERT INTO interviewer_reports (session_id, report, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id) DO UPDATE SET report = excluded.report,"
    " updated_at = excluded.updated_at"
)
REPORT = "SELECT report FROM interviewer_reports WHERE session_id = ?"
CLAIM_DUTY = (
    "INSERT INTO interviewer_duties (name, owner, expires) VALUES (?, ?, {later})"
    " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires"
    " WHERE interviewer_duties.owner = excluded.owner OR interviewer_duties.expires < {now}"
)
"""(name, owner, seconds)"""

# --- the audit log (api/audit.py makes and checks the chain) ---------------------------------

AUDIT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "role",
    "session_id",
    "action",
    "details",
    "prev_hash",
    "hash",
)
"""An audit entry as `AuditRow` reads it."""

_AUDIT = ", ".join(AUDIT_COLUMNS)
AUDIT_HEAD = f"SELECT {_AUDIT} FROM interviewer_audit_log ORDER BY seq DESC LIMIT 1"
AUDIT_FIRST = f"SELECT {_AUDIT} FROM interviewer_audit_log ORDER BY seq LIMIT 1"
AUDIT_APPEND = (
    f"INSERT INTO interviewer_audit_log ({_AUDIT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (seq) DO NOTHING"
)
"""Takes the place `seq` in the chain, or changes nothing when another appender took it."""
AUDIT_AFTER = f"SELECT {_AUDIT} FROM interviewer_audit_log WHERE seq > ? ORDER BY seq LIMIT ?"
"""(after seq, limit): the chain in order, a page at a time."""
AUDIT_PURGE = (
    "DELETE FROM interviewer_audit_log WHERE at < ?"
    " AND seq < (SELECT MAX(seq) FROM interviewer_audit_log)"
)
"""(cutoff): entries older than the retention, never the head (the next entry links to it)."""


def audit_query(by_session: bool, since: bool) -> str:
    """Entries after a seq (and of one session, and at or after a time), oldest first:
    parameters (after seq, [session_id], [since], limit)."""
    conditions = ["seq > ?"]
    if by_session:
        conditions.append("session_id = ?")
    if since:
        conditions.append("at >= ?")
    return (
        f"SELECT {_AUDIT} FROM interviewer_audit_log WHERE {' AND '.join(conditions)}"
        " ORDER BY seq LIMIT ?"
    )


# --- the checkpointer's tables ---------------------------------------------------------------

ORPHAN_THREADS = f"SELECT COUNT(DISTINCT thread_id) FROM checkpoints WHERE {ORPHAN_THREAD_SQL}"


def delete_orphans(table: str) -> str:
    return f"DELETE FROM {table} WHERE {ORPHAN_THREAD_SQL}"


def delete_threads(table: str, threads: str) -> str:
    """Every row of `table` on the threads `threads` (a condition on thread_id) selects."""
    return f"DELETE FROM {table} WHERE {threads}"


def prune_checkpoints(table: str, threads: str, kept: int) -> str:
    """Rows of `table` on the threads `threads` selects, but the `kept` (thread_id,
    checkpoint_id) pairs given after the condition's parameters."""
    pairs = ", ".join("(?, ?)" for _ in range(kept)) or "(NULL, NULL)"
    kept_pairs = f"(thread_id, checkpoint_id) NOT IN (VALUES {pairs})"
    return f"{delete_threads(table, threads)} AND {kept_pairs}"
