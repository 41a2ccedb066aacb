"""What a session is, to the repository and its callers: rows, leases, commits, errors.

`repository.py` keeps them in a database; see its docstring for how a turn commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from api.sessions import threads
from graph.state import InterviewSettings

LeasePurpose = Literal["turn", "reset", "delete", "save", "expire", "evaluate", "erase"]


def now_iso() -> str:
    """Timestamps as the seed shows them: ISO 8601 with microseconds (UTC, naive)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Progress:
    """What the head implies, kept beside it so lists and statuses need no checkpoint read."""

    started: bool
    active: bool
    stage: str
    questions_asked: int
    total_expected_questions: int
    cheat_attempts: int
    turns: int


@dataclass(frozen=True)
class SessionRow(Progress):
    """One session: identity, settings, head and progress (read in one statement)."""

    session_id: str
    created_at: str
    last_access: str
    settings: InterviewSettings
    token_hash: str | None
    generation: int
    head: str | None
    """Checkpoint id the next turn resumes from; None before the first committed start."""
    expires_at: str | None = None
    """When the invitation lapses if the interview has not started (None: never, a session
    of an older release). api/rights/invitations.py owns the rule."""
    consent_at: str | None = None
    """When the candidate acknowledged the AI notice (None: not yet)."""
    consent_notice: str | None = None
    """The version (hash) of the notice they acknowledged."""
    accommodation: dict[str, Any] | None = None
    """A request for another process or an accommodation: text, requested_at, status
    (requested, resumed, closed), resolved_at (api/rights/accommodation.py)."""

    @property
    def thread_id(self) -> str:
        """The thread of the session's current interview."""
        return threads.thread_id(self.session_id, self.generation)


@dataclass(frozen=True)
class SessionSummaryRow:
    """A session as the session list shows it (read without decoding its settings)."""

    session_id: str
    created_at: str
    last_access: str
    active: bool
    questions_asked: int
    total_expected_questions: int
    stage: str
    cheat_attempts: int
    candidate_name: str
    job_position: str
    started: bool = False
    expires_at: str | None = None
    consent_at: str | None = None
    accommodation: dict[str, Any] | None = None
    legal_hold: bool = False


@dataclass(frozen=True)
class MetricsCounts:
    """What /metrics reads from the database: counts by state, purpose and status."""

    sessions: dict[str, int]
    leases: dict[str, int]
    reports: dict[str, int]
    outbox: int
    """Webhook deliveries still pending in the outbox."""


@dataclass(frozen=True)
class Lease:
    """A claim on one session, held in the database until released or expired."""

    session_id: str
    token: str
    purpose: LeasePurpose

    @classmethod
    def new(cls, session_id: str, purpose: LeasePurpose) -> Lease:
        return cls(session_id, secrets.token_hex(16), purpose)


@dataclass(frozen=True)
class TurnRecord:
    """A committed turn remembered under its idempotency key: replayed, never re-run."""

    key: str
    request_hash: str
    reply: str
    events: list[dict[str, Any]]
    """The turn's non-token events (flag, state, end) in order, as the SSE `data` objects with
    an `event` key, so a replay tells an SSE client exactly what the original did."""


@dataclass(frozen=True)
class Commit:
    """What a turn commits: the new head (on `generation`'s thread) and its progress."""

    generation: int
    head: str
    progress: Progress
    record: TurnRecord | None = None


@dataclass(frozen=True)
class SavedSummary:
    session_id: str
    saved_at: str
    reason: str


@dataclass(frozen=True)
class AuditRow:
    """One entry of the audit log as stored (api/audit.py makes and checks them)."""

    seq: int
    """Its place in the chain: 1, 2, 3, ... (retention removes the oldest)."""
    at: str
    actor: str
    role: str
    session_id: str | None
    action: str
    details: str
    """Canonical JSON text, exactly as hashed."""
    prev_hash: str
    hash: str


DeliveryState = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True)
class DeliveryRow:
    """One webhook event in the outbox: what to send, and how its delivery went so far."""

    delivery_id: str
    event: str
    session_id: str | None
    payload: dict[str, Any]
    created_at: str
    state: DeliveryState
    attempts: int
    last_error: str | None
    status_code: int | None
    delivered_at: str | None


@dataclass(frozen=True)
class PersonRow:
    """A named person's API key, as stored (its digest is never read back)."""

    name: str
    role: str
    created_at: str
    created_by: str
    revoked_at: str | None
