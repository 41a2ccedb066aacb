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

RIGHTS_COLUMNS = ("expires_at", "consent_at", "consent_notice", "accommodation")
"""The candidate's invitation, consent and accommodation (migration 2)."""

SESSION_COLUMNS = (
    "session_id",
    "created_at",
    "last_access",
    "settings",
    "token_hash",
    "generation",
    "head",
    *PROGRESS_COLUMNS,
    *RIGHTS_COLUMNS,
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
    if row["accommodation"] is not None:
        row["accommodation"] = dict(dialect.decode_json(row["accommodation"]))
    return SessionRow(settings=settings, **row)


def progress_params(progress: Progress) -> tuple[Any, ...]:
    """`progress` as the parameters of `_SET_PROGRESS`."""
    return tuple(getattr(progress, column) for column in PROGRESS_COLUMNS)


# --- sessions --------------------------------------------------------------------------------

INSERT_SESSION = (
    "INSERT INTO interviewer_sessions (session_id, created_at, last_access, settings,"
    " token_hash, total_expected_questions, expires_at) SELECT ?, ?, ?, ?, ?, ?, ?"
    " WHERE (SELECT COUNT(*) FROM interviewer_sessions) < ?"
)
"""(session, created, last access, settings, token hash, total, expires, cap): nothing past
the cap."""
SESSION_BY_ID = f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE session_id = ?"
SESSION_BY_TOKEN = f"SELECT {_COLUMNS} FROM interviewer_sessions WHERE token_hash = ?"

_SUMMARY = (
    "session_id, created_at, last_access, active, questions_asked, total_expected_questions,"
    " stage, cheat_attempts, COALESCE({candidate_name}, ''), COALESCE({job_position}, ''),"
    " started, expires_at, consent_at, accommodation, EXISTS (SELECT 1 FROM"
    " interviewer_legal_holds h WHERE h.session_id = interviewer_sessions.session_id)"
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
IDLE_SINCE = (
    "SELECT session_id FROM interviewer_sessions WHERE last_access < ? AND started <> {false}"
)
"""Only interviews that started: an invitation lasts until its `expires_at`."""

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
RELEASE_DUTY = "DELETE FROM interviewer_duties WHERE name = ? AND owner = ?"

# --- the webhook outbox ----------------------------------------------------------------------

DELIVERY_COLUMNS = (
    "delivery_id",
    "event",
    "session_id",
    "payload",
    "created_at",
    "state",
    "attempts",
    "last_error",
    "status_code",
    "delivered_at",
)
"""A delivery as `DeliveryRow` reads it."""

INSERT_DELIVERY = (
    "INSERT INTO interviewer_webhook_deliveries (delivery_id, event, session_id, payload,"
    " created_at) VALUES (?, ?, ?, ?, ?)"
)
CLAIM_DELIVERY = (
    "UPDATE interviewer_webhook_deliveries SET next_attempt = {later}, attempts = attempts + 1"
    " WHERE delivery_id = ? AND state = 'pending' AND next_attempt <= {now}"
)
"""(hold seconds, delivery): the next attempt is the claimer's until `hold` passes."""
DELIVERY = (
    f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM interviewer_webhook_deliveries"
    " WHERE delivery_id = ?"
)
RECORD_ATTEMPT = (
    "UPDATE interviewer_webhook_deliveries SET next_attempt = {later}, state = ?,"
    " last_error = ?, status_code = ?, delivered_at = ? WHERE delivery_id = ? AND attempts = ?"
)
"""(delay, state, last_error, status_code, delivered_at, delivery, attempt): only the attempt
that holds the claim records (one taken over after its hold passed does not)."""
DUE_DELIVERIES = (
    "SELECT delivery_id FROM interviewer_webhook_deliveries"
    " WHERE state = 'pending' AND next_attempt <= {now} ORDER BY created_at LIMIT ?"
)
DELIVERIES_OF = (
    f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM interviewer_webhook_deliveries"
    " WHERE session_id = ? ORDER BY created_at"
)
DELETE_DELIVERIES = "DELETE FROM interviewer_webhook_deliveries WHERE session_id = ?"
OUTBOX_DEPTH = "SELECT COUNT(*) FROM interviewer_webhook_deliveries WHERE state = 'pending'"

# --- candidate rights (api/rights/) ---------------------------------------------------------

SET_EXPIRY = "UPDATE interviewer_sessions SET expires_at = ? WHERE session_id = ?"
SET_CONSENT = (
    "UPDATE interviewer_sessions SET consent_at = ?, consent_notice = ? WHERE session_id = ?"
)
SET_ACCOMMODATION = "UPDATE interviewer_sessions SET accommodation = ? WHERE session_id = ?"
HOLD = (
    "INSERT INTO interviewer_legal_holds (session_id, held_at, held_by) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id) DO NOTHING"
)
UNHOLD = "DELETE FROM interviewer_legal_holds WHERE session_id = ?"
HELD = "SELECT session_id, held_at, held_by FROM interviewer_legal_holds"
HELD_ONE = f"{HELD} WHERE session_id = ?"
SAVED_OF = (
    "SELECT saved_at, reason, document FROM interviewer_saved_sessions WHERE session_id = ?"
    " ORDER BY id"
)
DELETE_SAVED = "DELETE FROM interviewer_saved_sessions WHERE session_id = ?"
DELETE_SESSION_ANYHOW = "DELETE FROM interviewer_sessions WHERE session_id = ?"
INSERT_ERASURE = (
    "INSERT INTO interviewer_erasures (session_id, erased_at, erased_by, reason, categories)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id) DO NOTHING"
)
ERASURE = (
    "SELECT session_id, erased_at, erased_by, reason, categories FROM interviewer_erasures"
    " WHERE session_id = ?"
)
_UNHELD = " AND NOT EXISTS (SELECT 1 FROM interviewer_legal_holds h WHERE h.session_id = {alias})"
RETAINED_SESSIONS = (
    "SELECT session_id FROM interviewer_sessions s WHERE s.last_access < ? AND s.active = {false}"
    + _UNHELD.format(alias="s.session_id")
    + " ORDER BY s.last_access LIMIT ?"
)
"""(cutoff, batch): finished (or never started) sessions last touched before the cutoff."""
RETAINED_DOCUMENTS = (
    "SELECT d.session_id FROM interviewer_saved_sessions d"
    " WHERE NOT EXISTS (SELECT 1 FROM interviewer_sessions s WHERE s.session_id = d.session_id)"
    + _UNHELD.format(alias="d.session_id")
    + " GROUP BY d.session_id HAVING MAX(d.saved_at) < ? ORDER BY MAX(d.saved_at) LIMIT ?"
)
"""(cutoff, batch): saved documents of deleted sessions whose last save is older."""

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


# --- people: named API keys with a role -----------------------------------------------------

PERSON_COLUMNS = ("name", "role", "created_at", "created_by", "revoked_at")
"""A person as `PersonRow` reads it (never the key's digest)."""
_PERSON = ", ".join(PERSON_COLUMNS)
INSERT_PERSON = (
    "INSERT INTO interviewer_people (name, role, key_hash, created_at, created_by)"
    " VALUES (?, ?, ?, ?, ?)"
)
PERSON_BY_KEY = (
    f"SELECT {_PERSON} FROM interviewer_people WHERE key_hash = ? AND revoked_at IS NULL"
)
ACTIVE_PERSON = f"SELECT {_PERSON} FROM interviewer_people WHERE name = ? AND revoked_at IS NULL"
ALL_PEOPLE = f"SELECT {_PERSON} FROM interviewer_people ORDER BY id"
REVOKE_PERSON = "UPDATE interviewer_people SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"


# --- people's reviews and decisions; switches -----------------------------------------------

INSERT_REVIEW = (
    "INSERT INTO interviewer_reviews (session_id, generation, kind, body, at)"
    " VALUES (?, ?, ?, ?, ?)"
)
REVIEWS = (
    "SELECT kind, body FROM interviewer_reviews WHERE session_id = ? AND generation = ? ORDER BY id"
)
"""(session, generation): the reviews and decisions of one interview, oldest first."""
SET_SWITCH = (
    "INSERT INTO interviewer_switches (name, state, changed_at) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at"
)
SWITCH = "SELECT state FROM interviewer_switches WHERE name = ?"


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


# --- what /metrics reads (grouped in the database) -------------------------------------------

SESSIONS_BY_STATE = (
    "SELECT CASE WHEN active THEN 'active' WHEN started THEN 'finished' ELSE 'created' END,"
    " COUNT(*) FROM interviewer_sessions GROUP BY 1"
)
LEASES_BY_PURPOSE = (
    "SELECT lease_purpose, COUNT(*) FROM interviewer_sessions"
    " WHERE lease_token IS NOT NULL AND lease_expires > {now} GROUP BY lease_purpose"
)
REPORTS_BY_STATUS = "SELECT {report_status}, COUNT(*) FROM interviewer_reports GROUP BY 1"

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
