"""The audit log: who did what, to which session, when, as one tamper-evident hash chain.

Every action of a person (create, start, end, reset, delete, save, review, decision, a key added
or revoked, pause) and every automated step (interview finished, report generated, webhook
delivered or failed, retention) is one entry, appended with `append`, from a route or from a
background job (with the `SYSTEM` actor). An entry holds its time, the actor's name and role,
the session, the action (a row of `ACTIONS`), small details, and the hash of the entry before
it; its own hash covers all of that. So an entry edited in the database no longer matches its
hash, one replaced with a recomputed hash no longer matches the next entry's link, and one
deleted leaves a gap in the numbering: `verify` (`python -m api audit verify`) names the first
entry where the chain breaks.

Appenders on any number of replicas keep one chain: an entry's number (`seq`) is the primary
key, so of two appenders that read the same head only one takes the next place; the other
reads the new head and tries again (optimistic, no lock held across a round trip, the same on
SQLite and PostgreSQL).

Entries outlive the session (no foreign key; deleting a session leaves its entries) and hold no
transcript text: details are a flat object of short values, and keys that would carry the
interview's words are refused. Entries older than `INTERVIEWER_AUDIT_RETENTION_DAYS` are removed
by `purge_expired`, which records what it removed in the chain itself, so a removal the log did
not record is still a break.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.sessions import SessionRepository, now_iso
from api.sessions.base import AuditRow

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
"""The `prev_hash` of the first entry."""

MAX_DETAIL_CHARS = 500
"""The longest text a detail may hold: a reason, a name, a version, never a transcript."""

TRANSCRIPT_KEYS = frozenset(
    {"message", "messages", "transcript", "history", "answer", "answers", "text", "reply"}
)
"""Detail keys refused: what they would hold is the interview's words, which the log never
keeps (the transcript is erased with the session; its audit entries stay)."""

APPEND_ATTEMPTS = 200
"""Tries to take the next place before giving up (each lost race means another entry landed)."""

PAGE = 1000
"""Entries read per trip by `verify` and the JSON Lines export."""

ACTIONS: dict[str, str] = {
    # people
    "session.created": "a session was created (its settings' job, not the candidate's words)",
    "interview.started": "the interview was started (or restarted)",
    "interview.ended": "the hiring side ended the interview",
    "session.reset": "the interview was forgotten; the session keeps its settings",
    "session.saved": "a save of the session was requested",
    "session.deleted": "the session was saved and deleted",
    "system.command": "an admin command was sent through the chat (its name only)",
    "report.regenerate_requested": "the evaluation was asked to run again",
    "report.reviewed": "a person reviewed the AI's scores (overrides, disregards, notes)",
    "decision.recorded": "a person decided: advance, reject or hold, with a reason",
    "user.added": "a person was given an API key, with a role",
    "user.revoked": "a person's API key was revoked",
    "service.paused": "new interviews were paused on every replica",
    "service.resumed": "new interviews were allowed again",
    # automated steps
    "interview.finished": "the interview reached its end",
    "session.expired": "an idle session was saved and removed by the sweeper",
    "report.generated": "the evaluation report was made, with the versions that made it",
    "report.failed": "the evaluation failed",
    "webhook.delivered": "a webhook event was delivered",
    "webhook.failed": "a webhook event could not be delivered",
    "audit.purged": "entries older than the retention were removed (what, and the boundary)",
}
"""Every action the log records, and what it means (docs/OVERSIGHT.md shows this table)."""

AUTOMATED = frozenset(
    {
        "interview.finished",
        "session.expired",
        "report.generated",
        "report.failed",
        "webhook.delivered",
        "webhook.failed",
        "audit.purged",
    }
)
"""The actions only the service takes (actor `system`)."""


@dataclass(frozen=True)
class Actor:
    """Who acted: a person's name and role, or the service itself."""

    name: str
    role: str


SYSTEM = Actor("system", "system")
"""The actor of automated steps (interview finished, report generated, webhook, retention)."""


EXAMPLE: dict[str, Any] = {
    "seq": 42,
    "at": "2026-12-03T10:15:02.123456",
    "actor": "Ana Ruiz",
    "role": "reviewer",
    "session_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "action": "decision.recorded",
    "details": {"decision": "advance", "reason": "Strong on SQL; the design gap is teachable."},
    "prev_hash": "5d41402abc4b2a76b9719d911017c592" * 2,
    "hash": "7d793037a0760186574b0282f2f435e7" * 2,
}


class AuditEntry(BaseModel):
    """One entry of the audit log."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    seq: int = Field(description="Its place in the chain: 1, 2, 3, ...")
    at: str = Field(description="When (UTC, ISO 8601).")
    actor: str = Field(description="The person's name, or `system` for an automated step.")
    role: str = Field(description="The actor's role (admin, recruiter, reviewer, candidate, ...).")
    session_id: str | None = Field(description="The session it concerns, if any.")
    action: str = Field(description="What happened: one of the actions of docs/OVERSIGHT.md.")
    details: dict[str, Any] = Field(description="Small facts of the action; never transcript.")
    prev_hash: str = Field(description="The hash of the entry before (64 zeros for the first).")
    hash: str = Field(description="SHA-256 of this entry, its link included.")

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntry:
        return cls(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            role=row.role,
            session_id=row.session_id,
            action=row.action,
            details=json.loads(row.details),
            prev_hash=row.prev_hash,
            hash=row.hash,
        )


class AuditContention(RuntimeError):
    """The next place in the chain stayed taken by others for every attempt."""


def canonical(details: Mapping[str, Any]) -> str:
    """The one spelling of `details` that is stored and hashed."""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def check_details(action: str, details: Mapping[str, Any]) -> None:
    """Refuse an unknown action, and details that could carry the interview's words."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to ACTIONS in api/audit.py")
    for key, value in details.items():
        if key.lower() in TRANSCRIPT_KEYS:
            raise ValueError(f"audit details may not hold {key!r}: no transcript text in the log")
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not (item is None or isinstance(item, str | int | float | bool)):
                raise ValueError(f"audit detail {key!r} must be a short value or a list of them")
            if isinstance(item, str) and len(item) > MAX_DETAIL_CHARS:
                raise ValueError(f"audit detail {key!r} is longer than {MAX_DETAIL_CHARS} chars")


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    role: str,
    session_id: str | None,
    action: str,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 over every stored field of an entry but the hash itself."""
    fields = [seq, at, actor, role, session_id, action, details, prev_hash]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def hash_of(row: AuditRow) -> str:
    """What `row.hash` must be for its contents."""
    return entry_hash(
        row.seq,
        row.at,
        row.actor,
        row.role,
        row.session_id,
        row.action,
        row.details,
        row.prev_hash,
    )


async def append(
    repo: SessionRepository,
    actor: Actor,
    action: str,
    *,
    session_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain and return it.

    Usable from any route (`principal.actor`) or background job (`SYSTEM`); safe with any
    number of appenders on any number of replicas. Raises ValueError for an unknown action or
    details that could hold transcript text, AuditContention if the chain stayed contended.
    """
    facts = dict(details or {})
    check_details(action, facts)
    text = canonical(facts)
    for attempt in range(APPEND_ATTEMPTS):
        head = await repo.audit_head()
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
        at = now_iso()
        row = AuditRow(
            seq=seq,
            at=at,
            actor=actor.name,
            role=actor.role,
            session_id=session_id,
            action=action,
            details=text,
            prev_hash=prev,
            hash=entry_hash(seq, at, actor.name, actor.role, session_id, action, text, prev),
        )
        if await repo.audit_append(row):
            return AuditEntry.of(row)
        # Another appender took the place: spread the retries so racing ones do not collide
        # again in lockstep.
        await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
    raise AuditContention(f"could not append {action!r} after {APPEND_ATTEMPTS} attempts")


async def chain(repo: SessionRepository, page: int = PAGE) -> AsyncIterator[AuditRow]:
    """Every kept entry, oldest first, read a page at a time."""
    after = 0
    while True:
        rows = await repo.audit_after(after, page)
        for row in rows:
            yield row
        if len(rows) < page:
            return
        after = rows[-1].seq


@dataclass(frozen=True)
class Broken:
    """The first entry where the chain breaks, and how."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    """What `verify` found."""

    checked: int
    first_seq: int | None
    head: AuditRow | None
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is not None:
            return f"audit log BROKEN at entry {self.broken.seq}: {self.broken.reason}"
        if self.head is None:
            return "audit log verified: it is empty"
        return (
            f"audit log verified: {self.checked} entries, {self.first_seq} to {self.head.seq}, "
            f"head hash {self.head.hash}"
        )


async def verify(repo: SessionRepository) -> Verification:
    """Walk the chain and name the first entry that breaks it (edited, relinked or missing)."""
    checked = 0
    first: AuditRow | None = None
    prev: AuditRow | None = None
    last_purge: AuditRow | None = None
    broken: Broken | None = None
    async for row in chain(repo):
        checked += 1
        if first is None:
            first = row
        if broken is None:
            broken = _check_link(prev, row)
        if row.action == "audit.purged" and row.hash == hash_of(row):
            last_purge = row
        prev = row
    if first is not None and first.seq != 1:
        # The oldest entries are gone: only a retention run, recorded in the chain, may do that.
        start = _check_start(first, last_purge)
        if start is not None:
            broken = start
    return Verification(
        checked=checked, first_seq=first.seq if first else None, head=prev, broken=broken
    )


def _check_link(prev: AuditRow | None, row: AuditRow) -> Broken | None:
    if row.hash != hash_of(row):
        return Broken(row.seq, "its contents do not match its hash: the entry was edited")
    if prev is None:
        if row.seq == 1 and row.prev_hash != GENESIS:
            return Broken(row.seq, "the first entry does not start the chain")
        return None
    if row.seq != prev.seq + 1:
        missing = (
            f"entry {prev.seq + 1} is"
            if row.seq == prev.seq + 2
            else f"entries {prev.seq + 1} to {row.seq - 1} are"
        )
        return Broken(prev.seq + 1, f"{missing} missing: deleted from the log")
    if row.prev_hash != prev.hash:
        return Broken(
            prev.seq,
            f"entry {row.seq} does not link to it: the entry was replaced (its hash recomputed)",
        )
    return None


def _check_start(first: AuditRow, last_purge: AuditRow | None) -> Broken | None:
    if last_purge is not None:
        boundary = json.loads(last_purge.details)
        if (
            boundary.get("first_kept_seq") == first.seq
            and boundary.get("first_kept_prev_hash") == first.prev_hash
        ):
            return None
    return Broken(
        first.seq - 1,
        f"entries before {first.seq} are missing and no retention run recorded removing them",
    )


def retention_cutoff(days: int, now: datetime | None = None) -> str:
    """The time before which entries are past the retention, as stored times compare."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    return (moment - timedelta(days=days)).isoformat(timespec="microseconds")


async def purge_expired(
    repo: SessionRepository, retention_days: int, now: datetime | None = None
) -> int:
    """Remove entries older than the retention (never the newest), and record the removal in
    the chain with the boundary `verify` checks; how many were removed."""
    removed = await repo.audit_purge(retention_cutoff(retention_days, now))
    if removed:
        first = await repo.audit_first()
        assert first is not None  # the newest entry is never removed
        await append(
            repo,
            SYSTEM,
            "audit.purged",
            details={
                "removed": removed,
                "retention_days": retention_days,
                "first_kept_seq": first.seq,
                "first_kept_prev_hash": first.prev_hash,
            },
        )
        logger.info("audit log: removed %d entries older than %d days", removed, retention_days)
    return removed
