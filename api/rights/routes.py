"""The candidate-rights routes: notice and consent, invitations, accommodation, export,
erasure and legal hold (docs/RIGHTS.md). Thin: the rules are in the modules beside this one."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field

from api import audit
from api.deps import (
    AdminDep,
    InvitedSessionDep,
    PrincipalDep,
    RepoDep,
    ServiceDep,
    SessionDep,
    SettingsDep,
    canonical_session_id,
)
from api.errors import Refused
from api.permissions import authorize
from api.rights import data
from api.rights.accommodation import (
    MAX_TEXT_CHARS,
    RESOLVED_AS,
    AccommodationStatus,
    Resolution,
    accommodation_status,
)
from api.rights.invitations import MAX_DAYS, extended
from api.rights.notice import current_notice
from api.sessions import now_iso
from api.webhook import OutboxDep

router = APIRouter(tags=["candidate rights"], dependencies=[Depends(authorize)])
logger = logging.getLogger(__name__)

# --- bodies ------------------------------------------------------------------------------------


class NoticeOut(BaseModel):
    version: str = Field(description="The notice's version (hash): what a consent records.")
    text: str = Field(description="The notice, in Markdown (prompts/notice.md).")
    required: bool = Field(description="Whether start-interview waits for the acknowledgement.")
    consented_at: str | None = None
    consented_version: str | None = None


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notice_version: str | None = Field(
        default=None,
        max_length=64,
        description="The version the candidate was shown (GET /notice); a stale one is 409.",
    )


class ConsentOut(BaseModel):
    session_id: str
    consented_at: str
    notice_version: str


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: float = Field(gt=0, le=MAX_DAYS, description="Days to add (fractions allowed).")


class InvitationOut(BaseModel):
    session_id: str
    expires_at: str | None
    expired: bool
    started: bool


class AccommodationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="What the candidate asks for: another process, or an accommodation.",
    )


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Resolution = Field(description="resume: the interview goes on; close: it ends here.")


class AccommodationOut(BaseModel):
    session_id: str
    status: AccommodationStatus
    text: str
    requested_at: str
    resolved_at: str | None = None
    message: str


class LegalHoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hold: bool


class LegalHoldOut(BaseModel):
    session_id: str
    legal_hold: bool
    held_at: str | None = None
    held_by: str | None = None


class Tombstone(BaseModel):
    session_id: str
    erased_at: str
    erased_by: str
    reason: str = Field(description="request (POST /erase) or retention.")
    categories: list[str] = Field(description="The data categories erased.")


class CandidateData(BaseModel):
    session_id: str
    exported_at: str
    categories: dict[str, str] = Field(description="Each category held, and what it is.")
    data: dict[str, Any] = Field(description="Each category's data (null: none held).")


# --- notice and consent --------------------------------------------------------------------------


@router.get("/notice/{session_id}", response_model=NoticeOut)
async def notice(session: InvitedSessionDep, settings: SettingsDep) -> NoticeOut:
    """The AI notice the candidate reads before the interview, and whether they acknowledged it."""
    shown = current_notice(settings.retention_days)
    return NoticeOut(
        version=shown.version,
        text=shown.text,
        required=settings.require_consent,
        consented_at=session.consent_at,
        consented_version=session.consent_notice,
    )


@router.post("/consent/{session_id}", response_model=ConsentOut)
async def consent(
    session: InvitedSessionDep,
    repo: RepoDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    body: Annotated[ConsentIn | None, Body()] = None,
) -> ConsentOut:
    """Record that the candidate acknowledged the AI notice (its version and the time)."""
    shown = current_notice(settings.retention_days)
    if body is not None and body.notice_version not in (None, shown.version):
        raise Refused("notice_changed", version=shown.version)
    at = now_iso()
    await repo.set_consent(session.session_id, at, shown.version)
    await audit.append(
        repo,
        principal.actor,
        "consent.recorded",
        session_id=session.session_id,
        details={"notice_version": shown.version},
    )
    return ConsentOut(session_id=session.session_id, consented_at=at, notice_version=shown.version)


# --- invitations ---------------------------------------------------------------------------------


@router.post("/invitation/{session_id}/extend", response_model=InvitationOut)
async def extend_invitation(
    session: SessionDep, repo: RepoDep, principal: AdminDep, body: ExtendIn
) -> InvitationOut:
    """Give the candidate more time to start: `days` more (from now, if it had lapsed)."""
    until = extended(session, body.days)
    await repo.set_expiry(session.session_id, until)
    logger.info("invitation of %s extended to %s", session.session_id, until)
    await audit.append(
        repo,
        principal.actor,
        "invitation.extended",
        session_id=session.session_id,
        details={"days": body.days, "expires_at": until},
    )
    return InvitationOut(
        session_id=session.session_id, expires_at=until, expired=False, started=session.started
    )


# --- another process, or an accommodation ---------------------------------------------------


def _accommodation_out(session_id: str, request: dict[str, Any], message: str) -> AccommodationOut:
    return AccommodationOut.model_validate(
        {"session_id": session_id, "message": message, **request}
    )


async def _announce(service: ServiceDep, outbox: OutboxDep, session_id: str) -> None:
    """Send `accommodation.requested` through the webhook outbox (stored first, signed,
    retried, resumed after a restart); the request keeps the delivery's id (its state is the
    outbox's: the export's `webhook_deliveries`)."""
    row = await service.repo.get(session_id)
    if row is None or not row.accommodation:
        return
    request = row.accommodation
    body = {
        "event": "accommodation.requested",
        "session_id": session_id,
        "candidate_name": row.settings.candidate_name,
        "job_position": row.settings.job_position,
        "text": request["text"],
        "requested_at": request["requested_at"],
    }
    # Recorded before the first attempt starts, so no delivery can outrun its record.
    outcome = await outbox.store("accommodation.requested", body, session_id=session_id)
    await service.repo.set_accommodation(
        session_id, {**request, "webhook": {"delivery_id": outcome.delivery_id}}
    )
    outbox.start(outcome)


@router.post("/accommodation/{session_id}", response_model=AccommodationOut)
async def request_accommodation(
    session: InvitedSessionDep,
    service: ServiceDep,
    outbox: OutboxDep,
    principal: PrincipalDep,
    body: AccommodationIn,
) -> AccommodationOut:
    """The candidate asks for another process or an accommodation: the interview pauses, the
    hiring team is told (console, /sessions, the webhook's `accommodation.requested`)."""
    request = {"text": body.text, "requested_at": now_iso(), "status": "requested"}
    await service.repo.set_accommodation(session.session_id, request)
    logger.info("session %s: the candidate asked for another process", session.session_id)
    await audit.append(
        service.repo, principal.actor, "accommodation.requested", session_id=session.session_id
    )
    if outbox.configured:
        await _announce(service, outbox, session.session_id)
    return _accommodation_out(
        session.session_id,
        request,
        "Your request was sent to the hiring team. The interview is paused until they answer.",
    )


@router.post("/accommodation/{session_id}/resolve", response_model=AccommodationOut)
async def resolve_accommodation(
    session: SessionDep, repo: RepoDep, principal: AdminDep, body: ResolveIn
) -> AccommodationOut:
    """The hiring team's answer: `resume` the interview, or `close` it for another process."""
    if accommodation_status(session) != "requested" or session.accommodation is None:
        raise Refused("no_accommodation_request")
    status = RESOLVED_AS[body.action]
    request = {**session.accommodation, "status": status, "resolved_at": now_iso()}
    await repo.set_accommodation(session.session_id, request)
    logger.info("session %s: request for another process %s", session.session_id, status)
    await audit.append(
        repo,
        principal.actor,
        "accommodation.resolved",
        session_id=session.session_id,
        details={"status": status},
    )
    return _accommodation_out(session.session_id, request, f"The interview is {status}.")


# --- export, erasure, legal hold ----------------------------------------------------------------


@router.get("/candidate-data/{session_id}", response_model=CandidateData)
async def candidate_data(session_id: str, service: ServiceDep, _: AdminDep) -> CandidateData:
    """Everything held about the session, one key per data category (GDPR Art. 15)."""
    held = await data.gather(service, canonical_session_id(session_id))
    if not held.exists:
        raise Refused("nothing_held")
    return CandidateData.model_validate(data.export(held))


@router.post("/erase/{session_id}", response_model=Tombstone)
async def erase(session_id: str, service: ServiceDep, principal: AdminDep) -> Tombstone:
    """Erase everything held about the session (Art. 17) but a tombstone: who, when, what."""
    tombstone = await data.erase(
        service, canonical_session_id(session_id), principal.actor, "request"
    )
    return Tombstone.model_validate(tombstone)


@router.post("/legal-hold/{session_id}", response_model=LegalHoldOut)
async def legal_hold(
    session_id: str,
    service: ServiceDep,
    principal: AdminDep,
    body: Annotated[bool | LegalHoldIn, Body(description='true or false, or {"hold": ...}')],
) -> LegalHoldOut:
    """Put a session on legal hold (no erasure, no retention purge), or lift it."""
    sid = canonical_session_id(session_id)
    hold = body if isinstance(body, bool) else body.hold
    held = await data.gather(service, sid)
    if not held.exists:
        raise Refused("nothing_held")
    if hold:
        await service.repo.hold(sid, principal.actor.name)
    else:
        await service.repo.unhold(sid)
    logger.info("session %s: legal hold %s", sid, "on" if hold else "off")
    action = "legal_hold.set" if hold else "legal_hold.lifted"
    await audit.append(service.repo, principal.actor, action, session_id=sid)
    found = (await service.repo.held(sid)).get(sid)
    return LegalHoldOut(
        session_id=sid,
        legal_hold=found is not None,
        held_at=found[0] if found else None,
        held_by=found[1] if found else None,
    )
