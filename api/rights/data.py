"""Everything held about a candidate's session, as ONE table of data categories.

`CATEGORIES` is the one place that says what we hold: the export (`GET /candidate-data/{id}`,
GDPR Art. 15) is one entry per row, and the erasure (`POST /erase/{id}`, Art. 17, and the
retention purge) removes every row marked `erased` and records the rows' names in the
tombstone it leaves. A new kind of data (audit entries, reviews, integrity signals) is a new
row here: its export and whether erasure removes it.

Where each category lives, so an erasure misses none:

* the session row (settings, invitation, consent, accommodation, progress);
* LangGraph's checkpoints of every generation of the session (the transcript, cheat and
  process events), on the threads `<session>:<generation>`;
* stored idempotent replies (`interviewer_turn_keys`), the report (`interviewer_reports`,
  with the report webhook's delivery outcome), saved documents (`interviewer_saved_sessions`);
* saved documents' files in the archive directory (`interview_<session>_<stamp>.json`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api import audit
from api.audit import Actor
from api.errors import Refused
from api.interviews import InterviewService
from api.projections import history_of
from api.sessions import DeliveryRow, SessionRepository, SessionRow, now_iso
from graph.state import State

logger = logging.getLogger(__name__)


@dataclass
class Held:
    """What one session's data is, read once for an export or an erasure."""

    session_id: str
    row: SessionRow | None
    state: State | None
    report: dict[str, Any] | None
    saved: list[tuple[str, str, dict[str, Any]]]
    """(saved_at, reason, document), oldest first."""
    files: list[Path]
    turn_keys: int
    hold: tuple[str, str] | None
    audit: list[dict[str, Any]]
    """The session's audit entries (who did what, when; never transcript text)."""
    deliveries: list[DeliveryRow]
    """The webhook events sent about the session (the outbox), oldest first."""

    @property
    def latest_document(self) -> dict[str, Any] | None:
        return self.saved[-1][2] if self.saved else None

    @property
    def exists(self) -> bool:
        """Whether any data of the candidate is held (audit entries alone are not theirs)."""
        return bool(self.row or self.saved or self.report or self.files)


def _settings(held: Held) -> Any:
    if held.row is not None:
        return held.row.settings.model_dump(mode="json")
    document = held.latest_document
    return document.get("settings") if document else None


def _invitation(held: Held) -> Any:
    row = held.row
    if row is None:
        return None
    return {
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_access": row.last_access,
    }


def _transcript(held: Held) -> Any:
    if held.state is not None:
        return history_of(held.state, labelled=True)
    document = held.latest_document
    return document.get("history", []) if document else []


def _screening(held: Held) -> Any:
    state = held.state
    if state is None:
        document = held.latest_document or {}
        return {"cheat_events": document.get("cheat_events", []), "process_events": []}
    return {
        "cheat_events": [e.model_dump(mode="json") for e in state.cheat_events],
        "process_events": [e.model_dump(mode="json") for e in state.process_events],
    }


def _consent(held: Held) -> Any:
    row = held.row
    if row is None or row.consent_at is None:
        return None
    return {"consented_at": row.consent_at, "notice_version": row.consent_notice}


def _accommodation(held: Held) -> Any:
    return held.row.accommodation if held.row is not None else None


def _report(held: Held) -> Any:
    return held.report


def _webhook_deliveries(held: Held) -> Any:
    # Each event with what it said: a report's payload quotes the candidate's answers.
    return [
        {
            "delivery_id": d.delivery_id,
            "event": d.event,
            "created_at": d.created_at,
            "state": d.state,
            "attempts": d.attempts,
            "status_code": d.status_code,
            "last_error": d.last_error,
            "delivered_at": d.delivered_at,
            "payload": d.payload,
        }
        for d in held.deliveries
    ]


def _checkpoints(held: Held) -> Any:
    row = held.row
    if row is None:
        return None
    return {
        "generation": row.generation,
        "head": row.head,
        "note": "LangGraph checkpoints of the interview: the transcript above, as the graph "
        "keeps it",
    }


def _idempotent_replies(held: Held) -> Any:
    return {"stored_replies": held.turn_keys}


def _saved_documents(held: Held) -> Any:
    return [
        {"saved_at": at, "reason": reason, "document": document}
        for at, reason, document in held.saved
    ]


def _files(held: Held) -> Any:
    return [str(path) for path in held.files]


def _audit(held: Held) -> Any:
    return held.audit


def _legal_hold(held: Held) -> Any:
    if held.hold is None:
        return None
    return {"held_at": held.hold[0], "held_by": held.hold[1]}


@dataclass(frozen=True)
class DataCategory:
    name: str
    description: str
    export: Callable[[Held], Any]
    erased: bool
    """Whether an erasure removes it (else: kept, and why, in `description`)."""


CATEGORIES: tuple[DataCategory, ...] = (
    DataCategory("settings", "The hiring team's settings: role, skills, question counts, the "
                 "candidate's name.", _settings, True),
    DataCategory("invitation", "When the session was created, when its invitation expires, "
                 "its last contact.", _invitation, True),
    DataCategory("transcript", "Every message of the interview, with its place in the plan "
                 "(labels).", _transcript, True),
    DataCategory("screening", "Cheat events and process requests the screening recorded.",
                 _screening, True),
    DataCategory("consent", "When the AI notice was acknowledged, and which version.",
                 _consent, True),
    DataCategory("accommodation", "A request for another process or an accommodation, and "
                 "its resolution.", _accommodation, True),
    DataCategory("report", "The evaluation report (scores, evidence quoted from answers).",
                 _report, True),
    DataCategory("webhook_deliveries", "The signed webhook events sent about the session (the "
                 "outbox): what each said and how its delivery went.", _webhook_deliveries, True),
    DataCategory("checkpoints", "The interview graph's checkpoints, every generation.",
                 _checkpoints, True),
    DataCategory("idempotent_replies", "Replies stored under Idempotency-Keys, to replay a "
                 "turn.", _idempotent_replies, True),
    DataCategory("saved_documents", "Documents saved on save-session, delete, expiry and "
                 "restart (database).", _saved_documents, True),
    DataCategory("saved_files", "The same documents as files in the archive directory.",
                 _files, True),
    DataCategory("audit_entries", "Who did what to the session, when (api/audit.py). Kept "
                 "after an erasure: they hold no transcript text, and the erasure is one of "
                 "them.", _audit, False),
    DataCategory("legal_hold", "A legal hold, while one is on: it blocks erasure, so an "
                 "erasure never meets one.", _legal_hold, False),
)  # fmt: skip
"""Every category of data held about a session: the export's keys, the erasure's scope."""

ERASED = tuple(c.name for c in CATEGORIES if c.erased)


def files_of(directory: Path | None, session_id: str) -> list[Path]:
    """The saved documents' files of a session (also one a crash left half written)."""
    if directory is None or not directory.is_dir():
        return []
    return sorted(directory.glob(f"interview_{session_id}_*.json*"))


async def gather(service: InterviewService, session_id: str) -> Held:
    repo = service.repo
    row = await repo.get(session_id)
    state = (await service.read(session_id))[1] if row is not None else None
    holds = await repo.held(session_id)
    return Held(
        session_id=session_id,
        row=row,
        state=state,
        report=await repo.get_report(session_id),
        saved=await repo.saved_of(session_id),
        files=await asyncio.to_thread(files_of, service.sessions_dir, session_id),
        turn_keys=await repo.turn_key_count(session_id),
        hold=holds.get(session_id),
        audit=await _audit_entries(repo, session_id),
        deliveries=await repo.deliveries_of(session_id),
    )


async def _audit_entries(repo: SessionRepository, session_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await repo.audit_entries(
            after=after, limit=audit.PAGE, session_id=session_id, since=None
        )
        entries += [
            {
                "seq": row.seq,
                "at": row.at,
                "actor": row.actor,
                "role": row.role,
                "action": row.action,
                "details": json.loads(row.details),
            }
            for row in page
        ]
        if len(page) < audit.PAGE:
            return entries
        after = page[-1].seq


def export(held: Held) -> dict[str, Any]:
    """The export document: one key per category, then what it is."""
    return {
        "session_id": held.session_id,
        "exported_at": now_iso(),
        "categories": {c.name: c.description for c in CATEGORIES},
        "data": {c.name: c.export(held) for c in CATEGORIES},
    }


ERASURE_ACTIONS = {"request": "session.erased", "retention": "session.purged"}
"""The audit log's action for each reason of an erasure."""


async def erase(
    service: InterviewService, session_id: str, actor: Actor, reason: str
) -> dict[str, Any]:
    """Erase everything held about the session but its tombstone; the tombstone.

    A session on legal hold is refused (409). A live session is erased under its lease, so a
    running turn or save is never cut in half (409 while one runs). Erasing again returns the
    tombstone."""
    repo = service.repo
    held = await gather(service, session_id)
    if held.hold is not None:
        raise Refused("legal_hold")
    if not held.exists:
        tombstone = await repo.erasure(session_id)
        if tombstone is None:
            raise Refused("nothing_held")
        return tombstone
    lease = await repo.acquire(session_id, "erase") if held.row is not None else None
    stamp = now_iso()
    try:
        await repo.erase(session_id, lease, (stamp, actor.name, reason, list(ERASED)))
    except BaseException:
        if lease is not None:
            await service.release(lease)
        raise
    # Files after the rows: a file left by a crash here is found again by the next erasure or
    # the retention purge (files_of), never the other way round.
    for path in held.files:
        await asyncio.to_thread(path.unlink, True)
    logger.info("erased session %s (%s, by %s)", session_id, reason, actor.name)
    # The entry names what went, never what it held: the log outlives the erasure.
    await audit.append(
        repo,
        actor,
        ERASURE_ACTIONS[reason],
        session_id=session_id,
        details={"categories": list(ERASED)},
    )
    # Last: the WAL is emptied after every write of the erasure, the audit entry's too.
    await repo.scrub()
    tombstone = await repo.erasure(session_id)
    assert tombstone is not None
    return tombstone
