"""The seed's endpoints. Routers stay thin: the work is in InterviewService and the repository."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, BackgroundTasks, Body, HTTPException, Query, Request
from starlette.responses import Response

from api import audit
from api.archive import archive_session
from api.auth import forbidden, new_candidate_token
from api.deps import (
    AdminDep,
    IdempotencyKeyDep,
    PrincipalDep,
    RepoDep,
    ServiceDep,
    SessionDep,
    SessionIdDep,
    SettingsDep,
    canonical_session_id,
)
from api.errors import ERRORS, Refused, http_error
from api.limits import BadCursor, decode_cursor, encode_cursor
from api.models import (
    ChatMessage,
    CheatEventOut,
    ConversationHistory,
    HistoryItem,
    InterviewSettings,
    InterviewStatus,
    ModelInfo,
    SavedSessionSummary,
    SecurityInfo,
    SessionResponse,
    SessionSummary,
)
from api.projections import history_of
from api.sessions import SessionBusy, SessionNotFound
from api.sessions.base import SessionSummaryRow
from api.streaming import stream_turn
from graph.context import ProviderName
from graph.llm import MODEL_NAME, describe

router = APIRouter()
logger = logging.getLogger(__name__)

SYSTEM_COMMANDS = frozenset({"end_interview", "get_stats"})
"""The admin commands the chat knows (the graph answers others "Unknown system command")."""


def _names_session(raw: str, session_id: str) -> bool:
    """Whether `raw` names the session, in any spelling of its UUID (case, braces, urn)."""
    try:
        return str(uuid.UUID(raw)) == session_id
    except ValueError:
        return False


@router.post("/create-session", response_model=SessionResponse, response_model_exclude_none=True)
async def create_session(
    request: Request,
    repo: RepoDep,
    principal: AdminDep,
    config: SettingsDep,
    settings: Annotated[InterviewSettings | None, Body()] = None,
) -> SessionResponse:
    """Create a session with the given settings; the interview is not started.

    With auth on, the response adds `candidate_token`, valid for this one session. In open
    mode each client address may create INTERVIEWER_CREATE_RATE_PER_SECOND sessions a second
    (429 past it); the database holds at most INTERVIEWER_MAX_SESSIONS (503 past it).
    """
    if principal.role == "open":
        address = request.client.host if request.client else "unknown"
        wait = request.app.state.create_limit.take(address)
        if wait:
            raise Refused("create_rate_limited", retry_after=wait, limit=config.create_burst)
    session_id = str(uuid.uuid4())
    token, token_hash = new_candidate_token() if principal.role == "admin" else (None, None)
    chosen = settings or InterviewSettings()
    created = await repo.create(session_id, chosen, token_hash, cap=config.max_sessions)
    if not created:
        raise Refused("too_many_sessions", limit=config.max_sessions)
    await audit.append(
        repo,
        principal.actor,
        "session.created",
        session_id=session_id,
        details={
            "job_position": chosen.job_position,
            "expected_questions": chosen.total_expected_questions,
        },
    )
    return SessionResponse(
        session_id=session_id, message="Session created successfully", candidate_token=token
    )


@router.post("/start-interview/{session_id}")
async def start_interview(
    request: Request,
    session_id: SessionIdDep,
    service: ServiceDep,
    principal: PrincipalDep,
    key: IdempotencyKeyDep,
) -> Response:
    """Start the interview: streams Mia's greeting."""
    # The turn's lease claim reads the row (404 for an unknown session): one trip, not two.
    turn = await service.start(session_id, principal.role, key)
    await audit.append(service.repo, principal.actor, "interview.started", session_id=session_id)
    return await stream_turn(request, turn)


@router.post("/chat/{session_id}")
async def chat(
    request: Request,
    session_id: SessionIdDep,
    repo: RepoDep,
    service: ServiceDep,
    principal: PrincipalDep,
    body: ChatMessage,
    key: IdempotencyKeyDep,
) -> Response:
    """A candidate message ("user") or an admin command ("system"); streams the reply."""
    refusal: HTTPException | None = None
    if body.type == "system" and principal.role == "candidate":
        refusal = forbidden()
    elif not _names_session(body.session_id, session_id):
        refusal = ERRORS["session_id_mismatch"].http()
    if refusal is not None:
        # An unknown session is a 404 before anything else, as on every other route.
        if await repo.get(session_id) is None:
            raise SessionNotFound(session_id)
        raise refusal
    turn = await service.send(session_id, body.message, body.type, key)
    if body.type == "system":
        # The command's name only: anything else typed there is not kept in the log.
        said = body.message.strip().lower()
        command = said if said in SYSTEM_COMMANDS else "unknown"
        await audit.append(
            repo,
            principal.actor,
            "system.command",
            session_id=session_id,
            details={"command": command},
        )
    return await stream_turn(request, turn)


@router.post(
    "/reset/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def reset(session: SessionDep, service: ServiceDep, principal: AdminDep) -> SessionResponse:
    """Forget the interview so far; the session keeps its settings (409 during a turn)."""
    await service.reset(session.session_id)
    await audit.append(
        service.repo, principal.actor, "session.reset", session_id=session.session_id
    )
    return SessionResponse(
        session_id=session.session_id,
        message="Conversation reset. Ready to start a new interview.",
    )


@router.get("/interview-status/{session_id}", response_model=InterviewStatus)
async def interview_status(session: SessionDep) -> InterviewStatus:
    """The counts of the session's head, from its row (no checkpoint is decoded). A read
    writes nothing (not even `last_access`): it works on a full disk, and polling it does not
    keep an idle session alive."""
    return InterviewStatus(
        session_id=session.session_id,
        active=session.active,
        questions_asked=session.questions_asked,
        total_expected_questions=session.total_expected_questions,
        stage=session.stage,
        job_position=session.settings.job_position,
    )


@router.get(
    "/conversation-history/{session_id}",
    response_model=ConversationHistory,
    response_model_exclude_none=True,
)
async def conversation_history(
    session: SessionDep,
    service: ServiceDep,
    principal: PrincipalDep,
    labels: Annotated[
        bool, Query(description="Add each message's place in the plan (admin only).")
    ] = False,
) -> ConversationHistory:
    """The transcript at the session's head, with the counts of that same head. A candidate
    token reads its own session's (without labels: they carry the plan and the cheat flags);
    SessionDep already hides every other session from it."""
    if labels and principal.role == "candidate":
        raise forbidden()
    row, state = await service.read(session.session_id)
    return ConversationHistory(
        session_id=row.session_id,
        provider=describe(service.context).name,
        active=row.active,
        questions_asked=row.questions_asked,
        total_expected_questions=row.total_expected_questions,
        history=[HistoryItem.model_validate(item) for item in history_of(state, labels)]
        if state
        else [],
    )


async def _save_in_background(service: ServiceDep, session_id: str) -> None:
    # The save takes the lease like any change; a turn holding it is waited for (bounded).
    try:
        lease = await service.repo.leases.wait_for(lambda: service.locked(session_id, "save"))
    except SessionNotFound:
        return
    except SessionBusy:
        logger.error("could not save session %s: it stayed busy", session_id)
        return
    try:
        row = await service.repo.get(session_id)
        if row is not None:
            path = await archive_session(service, row, reason="saved")
            logger.info("saved session %s to %s", session_id, path)
    except Exception:
        logger.exception("saving session %s failed", session_id)
    finally:
        await service.release(lease)


@router.post(
    "/save-session/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def save(
    session: SessionDep,
    service: ServiceDep,
    background: BackgroundTasks,
    principal: AdminDep,
) -> SessionResponse:
    """Save the session (database and sessions directory) in the background."""
    await audit.append(
        service.repo, principal.actor, "session.saved", session_id=session.session_id
    )
    background.add_task(_save_in_background, service, session.session_id)
    return SessionResponse(session_id=session.session_id, message="Session saving initiated")


NEXT_CURSOR_HELP = "Present when more sessions follow: pass it as `cursor` for the next page."


@router.get(
    "/sessions",
    response_model=dict[str, SessionSummary],
    responses={200: {"headers": {"X-Next-Cursor": {"description": NEXT_CURSOR_HELP}}}},
)
async def list_sessions(
    repo: RepoDep,
    settings: SettingsDep,
    _: AdminDep,
    limit: Annotated[
        int | None,
        Query(ge=1, description="Most sessions to answer (default and most: sessions_page_max)."),
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=400, description="The X-Next-Cursor of the page before.")
    ] = None,
) -> Response:
    """Sessions in the order they were created, as the seed's `{session_id: summary}` object.

    One page: at most `limit` (and never more than INTERVIEWER_SESSIONS_PAGE_MAX); when more
    follow, the `X-Next-Cursor` header is the `cursor` of the next page. The database sorts,
    limits and picks the fields; the JSON is built off the event loop, so a large list never
    stalls the replies streaming in the same process.
    """
    size = min(limit or settings.sessions_page_max, settings.sessions_page_max)
    try:
        after = decode_cursor(cursor) if cursor is not None else None
    except BadCursor:
        raise ERRORS["bad_cursor"].http() from None
    rows = await repo.page(size + 1, after)
    headers = {}
    if len(rows) > size:
        rows = rows[:size]
        headers["X-Next-Cursor"] = encode_cursor(rows[-1].created_at, rows[-1].session_id)
    body = await asyncio.to_thread(_session_list_json, rows, describe(settings).name)
    return Response(body, media_type="application/json", headers=headers)


def _session_list_json(rows: list[SessionSummaryRow], provider: ProviderName) -> bytes:
    # The response model still decides the shape: each row becomes a SessionSummary.
    return orjson.dumps(
        {
            row.session_id: SessionSummary(
                provider=provider,
                last_access=row.last_access,
                interview_active=row.active,
                questions_asked=row.questions_asked,
                total_expected_questions=row.total_expected_questions,
                stage=row.stage,
                potential_cheat_attempts=row.cheat_attempts,
                candidate_name=row.candidate_name,
                job_position=row.job_position,
            ).model_dump()
            for row in rows
        }
    )


@router.delete(
    "/session/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def delete_session(
    session: SessionDep, service: ServiceDep, principal: AdminDep
) -> SessionResponse:
    """Save the session (database and file), then delete it; 409 while a turn runs."""
    lease = await service.locked(session.session_id, "delete")
    try:
        row = await service.repo.get(session.session_id)
        if row is None:
            raise SessionNotFound(session.session_id)
        path = await archive_session(service, row, reason="deleted")
        await service.repo.delete(lease)
    except BaseException:
        await service.release(lease)
        raise
    await audit.append(
        service.repo, principal.actor, "session.deleted", session_id=session.session_id
    )
    where = path if path is not None else "the database"
    return SessionResponse(
        session_id=session.session_id,
        message=f"Session saved to {where} and deleted successfully",
    )


@router.get("/saved-sessions", response_model=list[SavedSessionSummary])
async def saved_sessions(repo: RepoDep, _: AdminDep) -> list[SavedSessionSummary]:
    """Every saved document (save-session, delete, expiry, restart), oldest first."""
    return [
        SavedSessionSummary(session_id=s.session_id, saved_at=s.saved_at, reason=s.reason)
        for s in await repo.saved_documents()
    ]


@router.get("/saved-sessions/{session_id}")
async def saved_session(session_id: str, repo: RepoDep, _: AdminDep) -> dict[str, Any]:
    """The latest saved document of a session, from any replica, even after deletion."""
    document = await repo.saved_document(canonical_session_id(session_id))
    if document is None:
        raise ERRORS["no_saved_document"].http()
    return document


@router.post(
    "/end-interview/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def end_interview(
    session: SessionDep, service: ServiceDep, principal: AdminDep
) -> SessionResponse:
    """End the interview now: Mia closes it (the closing is in the history)."""
    turn = await service.send(session.session_id, "end_interview", "system")
    events = await service.run_to_end(turn)
    for event in events:
        if event["event"] == "error":
            raise http_error(event)
    await audit.append(
        service.repo, principal.actor, "interview.ended", session_id=session.session_id
    )
    return SessionResponse(session_id=session.session_id, message="Interview ended successfully")


@router.get("/model-info", response_model=ModelInfo)
async def model_info(settings: SettingsDep) -> ModelInfo:
    provider = describe(settings)
    if provider.offline:
        description = (
            f"Built-in offline interviewer model standing in for {MODEL_NAME} "
            "(no GROQ_API_KEY is set, or INTERVIEWER_LLM=offline)"
        )
    elif provider.name == "openai":
        description = (
            "Pre-configured large language model for interview simulations, served by an "
            f"OpenAI-compatible endpoint as {provider.model}"
        )
    else:
        description = "Pre-configured large language model for interview simulations"
    return ModelInfo(
        description=description,
        provider=provider.name,
        offline=provider.offline,
        served_model=provider.model,
    )


@router.get("/security-info/{session_id}", response_model=SecurityInfo)
async def security_info(session: SessionDep, service: ServiceDep, _: AdminDep) -> SecurityInfo:
    state = await service.state(session.session_id)
    return SecurityInfo(
        session_id=session.session_id,
        potential_cheat_attempts=state.potential_cheat_attempts if state else 0,
        active=bool(state and state.active),
        events=[CheatEventOut.model_validate(e.model_dump()) for e in state.cheat_events]
        if state
        else [],
    )
