"""Human oversight endpoints: the audit log, people's review and decision beside the AI's
report, the explanation for the candidate, and the pause switch."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from api import audit, review
from api.deps import (
    PrincipalDep,
    RepoDep,
    SessionDep,
    SettingsDep,
    canonical_session_id,
)
from api.errors import ERRORS
from api.evaluations import EvaluationRunner, is_current
from api.pause import PAUSE_SWITCH, PauseRequest, PauseState
from api.permissions import authorize
from api.reports import RunnerDep, finished
from api.review import HumanReview
from api.sessions import SessionRepository, SessionRow, now_iso
from api.webhook import OutboxDep
from graph.evaluation.report import Report

logger = logging.getLogger(__name__)

router = APIRouter(tags=["oversight"], dependencies=[Depends(authorize)])

JSON_LINES = "application/x-ndjson"
MAX_PAGE = 1000


class AuditPage(BaseModel):
    """A page of the audit log, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"entries": [audit.EXAMPLE], "next_after": 42}]}
    )

    entries: list[audit.AuditEntry]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


def _stored_time(moment: datetime) -> str:
    """`moment` as the log stores times (UTC, naive ISO 8601), so they compare as text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        error = {"type": "datetime_parsing", "loc": ("query", "since"), "msg": "Input should "
                 "be an ISO 8601 time", "input": text}  # fmt: skip
        raise RequestValidationError([error]) from None


async def _lines(
    repo: SessionRepository, after: int, session_id: str | None, since: str | None, limit: int
) -> AsyncIterator[bytes]:
    left = limit
    while left > 0:
        rows = await repo.audit_entries(
            after=after, limit=min(audit.PAGE, left), session_id=session_id, since=since
        )
        for row in rows:
            yield (audit.AuditEntry.of(row).model_dump_json() + "\n").encode()
        if len(rows) < min(audit.PAGE, left):
            return
        left -= len(rows)
        after = rows[-1].seq


# Not None: a nullable query parameter would invite `since=null`, which no client means.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)


@router.get(
    "/audit",
    response_model=AuditPage,
    responses={200: {"content": {JSON_LINES: {"schema": {"type": "string"}}}}},
)
async def audit_log(
    request: Request,
    repo: RepoDep,
    _: PrincipalDep,
    session_id: Annotated[str | None, Query(description="Only this session's entries.")] = None,
    since: Annotated[
        datetime, Query(description="Only entries at or after this time (ISO 8601).")
    ] = _BEGINNING,
    after: Annotated[int, Query(ge=0, le=2**62, description="Only entries after this `seq`.")] = 0,
    limit: Annotated[
        int,
        Query(
            ge=0,
            le=1_000_000,
            description=f"At most this many entries; 0 (the default) means 100 in JSON (at most "
            f"{MAX_PAGE}) and all in JSON Lines.",
        ),
    ] = 0,
    format: Annotated[
        Literal["auto", "json", "jsonl"],
        Query(
            description="`jsonl`: one entry per line; `auto` (the default): JSON Lines when "
            "`Accept` names application/x-ndjson, else JSON."
        ),
    ] = "auto",
) -> AuditPage | Response:
    """The audit log (admin): who did what to which session, oldest first, a hash chain
    (`python -m api audit verify` checks it). Entries outlive their session."""
    sid = canonical_session_id(session_id) if session_id is not None else None
    start = _stored_time(since) if since != _BEGINNING else None
    wants_lines = format == "jsonl" or (
        format == "auto" and JSON_LINES in request.headers.get("accept", "")
    )
    if wants_lines:
        return StreamingResponse(
            _lines(repo, after, sid, start, limit or 1_000_000),
            media_type=JSON_LINES,
            headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
        )
    size = min(limit or 100, MAX_PAGE)
    rows = await repo.audit_entries(after=after, limit=size + 1, session_id=sid, since=start)
    page = rows[:size]
    return AuditPage(
        entries=[audit.AuditEntry.of(row) for row in page],
        next_after=page[-1].seq if len(rows) > size else None,
    )


# --- people's review and decision ------------------------------------------------------------


async def ready_report(session: SessionRow, runner: EvaluationRunner) -> Report:
    """The AI's current, ready report; 409 while there is none."""
    finished(session)
    report = await runner.reports.get(session.session_id)
    if report is None or not is_current(report, session):
        raise ERRORS["report_not_ready"].http(status="not made yet")
    if not isinstance(report, Report):
        raise ERRORS["report_not_ready"].http(status=report.status)
    return report


async def people_of(repo: SessionRepository, session: SessionRow, report: Report) -> HumanReview:
    return await review.human_review(
        repo, session.session_id, session.generation, report.overall.recommendation
    )


@router.post("/report/{session_id}/review", response_model=HumanReview)
async def review_report(
    session: SessionDep,
    runner: RunnerDep,
    repo: RepoDep,
    principal: PrincipalDep,
    body: review.ReviewRequest,
) -> HumanReview:
    """Review the AI's scores: override an item's score (with a reason) or disregard it, and
    add private notes. Kept beside the AI's report, never merged into it; the latest review is
    the one in force."""
    report = await ready_report(session, runner)
    items = review.check_items(report, body)
    actor = principal.actor
    record = review.Review(
        items=items, notes=body.notes, reviewer=actor.name, role=actor.role, at=now_iso()
    )
    await review.record_review(repo, session.session_id, session.generation, record)
    await audit.append(
        repo,
        actor,
        "report.reviewed",
        session_id=session.session_id,
        details={
            "overridden": [i.label for i in items if i.action == "override"],
            "disregarded": [i.label for i in items if i.action == "disregard"],
            "notes": bool(body.notes),
        },
    )
    return await people_of(repo, session, report)


@router.post("/report/{session_id}/decision", response_model=HumanReview)
async def decide(
    session: SessionDep,
    runner: RunnerDep,
    repo: RepoDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    body: review.DecisionRequest,
    outbox: OutboxDep,
) -> HumanReview:
    """Decide: advance, reject or hold, with a reason, beside the AI's recommendation (never
    merged with it). Sends a signed `decision.recorded` webhook event."""
    report = await ready_report(session, runner)
    actor = principal.actor
    record = review.DecisionRecord(
        decision=body.decision,
        reason=body.reason,
        decided_by=actor.name,
        role=actor.role,
        at=now_iso(),
        ai_recommendation=report.overall.recommendation,
    )
    await review.record_decision(repo, session.session_id, session.generation, record)
    await audit.append(
        repo,
        actor,
        "decision.recorded",
        session_id=session.session_id,
        details={
            "decision": body.decision,
            "reason": body.reason[: audit.MAX_DETAIL_CHARS],
            "ai_recommendation": report.overall.recommendation,
        },
    )
    # Through the outbox: stored before this answer, signed, retried, resumed after a restart
    # (and its delivery audited there).
    event = {
        "event": "decision.recorded",
        "session_id": session.session_id,
        **record.model_dump(mode="json"),
    }
    await outbox.send("decision.recorded", event, session_id=session.session_id)
    return await people_of(repo, session, report)


@router.get(
    "/report/{session_id}/explanation",
    response_model=review.Explanation,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def explanation(
    request: Request,
    session: SessionDep,
    runner: RunnerDep,
    repo: RepoDep,
    _: PrincipalDep,
) -> review.Explanation | Response:
    """A plain-language account, fit to send to the candidate, of how the AI was used, which
    quoted words drove each score, and what people decided (never their private notes).
    `Accept: text/plain` for the text alone."""
    report = await ready_report(session, runner)
    text = review.explain(report, await people_of(repo, session, report))
    if "text/plain" in request.headers.get("accept", ""):
        return Response(text, media_type="text/plain; charset=utf-8")
    return review.Explanation(session_id=session.session_id, text=text)


# --- the pause switch ------------------------------------------------------------------------


@router.post("/admin/pause", response_model=PauseState)
async def pause(
    repo: RepoDep, principal: PrincipalDep, body: Annotated[PauseRequest | None, Body()] = None
) -> PauseState:
    """Stop new interviews on every replica (503 + Retry-After); running ones go on."""
    reason = (body or PauseRequest()).reason
    state = PauseState(paused=True, reason=reason, by=principal.actor.name, since=now_iso())
    await repo.set_switch(PAUSE_SWITCH, state.model_dump(mode="json"))
    await audit.append(repo, principal.actor, "service.paused", details={"reason": reason})
    return state


@router.post("/admin/resume", response_model=PauseState)
async def resume(repo: RepoDep, principal: PrincipalDep) -> PauseState:
    """Allow new interviews again, on every replica."""
    state = PauseState(paused=False, by=principal.actor.name, since=now_iso())
    await repo.set_switch(PAUSE_SWITCH, state.model_dump(mode="json"))
    await audit.append(repo, principal.actor, "service.resumed")
    return state
