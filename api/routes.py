"""The seed's endpoints. Routers stay thin: the work is in InterviewService and the store."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, HTTPException, Query, Request
from starlette.responses import Response

from api.archive import save_session
from api.auth import forbidden, new_candidate_token
from api.deps import AdminDep, PrincipalDep, ServiceDep, SessionDep, SettingsDep, StoreDep
from api.interviews import SessionBusy
from api.models import (
    ChatMessage,
    CheatEventOut,
    ConversationHistory,
    HistoryItem,
    InterviewSettings,
    InterviewStatus,
    ModelInfo,
    SecurityInfo,
    SessionResponse,
    SessionSummary,
)
from api.projections import history_of, progress_of
from api.streaming import stream_turn
from graph.llm import describe_provider

router = APIRouter()


def _names_session(raw: str, session_id: str) -> bool:
    """Whether `raw` names the session, in any spelling of its UUID (case, braces, urn)."""
    try:
        return str(uuid.UUID(raw)) == session_id
    except ValueError:
        return False


STREAM_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The interviewer's reply, streamed: text/plain by default, "
        "or SSE events when the request accepts text/event-stream.",
        "content": {"text/plain": {}, "text/event-stream": {}},
    },
    400: {"description": "The session's state does not allow this turn."},
    404: {"description": "Session not found"},
    409: {"description": "A turn of this session is still streaming."},
    503: {"description": "The language model failed before the first byte."},
}


@router.post("/create-session", response_model=SessionResponse, response_model_exclude_none=True)
async def create_session(
    store: StoreDep,
    principal: AdminDep,
    settings: Annotated[InterviewSettings | None, Body()] = None,
) -> SessionResponse:
    """Create a session with the given settings; the interview is not started.

    With auth on, the response adds `candidate_token`, valid for this one session.
    """
    session_id = str(uuid.uuid4())
    token, token_hash = new_candidate_token() if principal.role == "admin" else (None, None)
    await store.create(session_id, settings or InterviewSettings(), token_hash)
    return SessionResponse(
        session_id=session_id, message="Session created successfully", candidate_token=token
    )


@router.post("/start-interview/{session_id}", responses=STREAM_RESPONSES)
async def start_interview(request: Request, session: SessionDep, service: ServiceDep) -> Response:
    """Start the interview: streams Mia's greeting."""
    turn = await service.start(session.session_id, session.settings)
    return await stream_turn(request, turn)


@router.post("/chat/{session_id}", responses=STREAM_RESPONSES)
async def chat(
    request: Request,
    session: SessionDep,
    service: ServiceDep,
    principal: PrincipalDep,
    body: ChatMessage,
) -> Response:
    """A candidate message ("user") or an admin command ("system"); streams the reply."""
    if body.type == "system" and principal.role == "candidate":
        raise forbidden()
    if not _names_session(body.session_id, session.session_id):
        raise HTTPException(status_code=400, detail="Session ID mismatch")
    turn = await service.send(session.session_id, body.message, body.type)
    return await stream_turn(request, turn)


@router.post(
    "/reset/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def reset(
    session: SessionDep, service: ServiceDep, store: StoreDep, _: AdminDep
) -> SessionResponse:
    """Forget the interview so far; the session keeps its settings."""
    if service.is_busy(session.session_id):
        raise SessionBusy(session.session_id)
    await service.delete(session.session_id)
    await store.record(session.session_id, progress_of(None, session.settings))
    return SessionResponse(
        session_id=session.session_id,
        message="Conversation reset. Ready to start a new interview.",
    )


@router.get("/interview-status/{session_id}", response_model=InterviewStatus)
async def interview_status(session: SessionDep, store: StoreDep) -> InterviewStatus:
    """The counts from the registry row (written with every committed turn), like /sessions:
    a dashboard polling this does not decode the whole checkpoint each time."""
    await store.touch(session.session_id)
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
    store: StoreDep,
    principal: PrincipalDep,
    labels: Annotated[
        bool, Query(description="Add each message's place in the plan (admin only).")
    ] = False,
) -> ConversationHistory:
    """The transcript. A candidate token reads its own session's (without labels: they carry
    the plan and the cheat flags); SessionDep already hides every other session from it."""
    if labels and principal.role == "candidate":
        raise forbidden()
    state = await service.state(session.session_id)
    await store.touch(session.session_id)
    progress = progress_of(state, session.settings)
    return ConversationHistory(
        session_id=session.session_id,
        active=progress.active,
        questions_asked=progress.questions_asked,
        total_expected_questions=progress.total_expected_questions,
        history=[HistoryItem.model_validate(item) for item in history_of(state, labels)]
        if state
        else [],
    )


@router.post(
    "/save-session/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def save(
    session: SessionDep,
    service: ServiceDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    _: AdminDep,
) -> SessionResponse:
    """Write the session to the sessions directory in the background."""
    background.add_task(save_session, service, session, settings.sessions_dir)
    return SessionResponse(session_id=session.session_id, message="Session saving initiated")


@router.get("/sessions", response_model=dict[str, SessionSummary])
async def list_sessions(store: StoreDep, _: AdminDep) -> dict[str, SessionSummary]:
    return {
        row.session_id: SessionSummary(
            last_access=row.last_access,
            interview_active=row.active,
            questions_asked=row.questions_asked,
            total_expected_questions=row.total_expected_questions,
            job_position=row.settings.job_position,
            candidate_name=row.settings.candidate_name,
            stage=row.stage,
            potential_cheat_attempts=row.cheat_attempts,
        )
        for row in await store.all()
    }


@router.delete(
    "/session/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def delete_session(
    session: SessionDep, service: ServiceDep, store: StoreDep, settings: SettingsDep, _: AdminDep
) -> SessionResponse:
    """Save the session to a file, then delete it."""
    if service.is_busy(session.session_id):
        raise SessionBusy(session.session_id)
    path = await save_session(service, session, settings.sessions_dir)
    await service.delete(session.session_id)
    await store.delete(session.session_id)
    return SessionResponse(
        session_id=session.session_id,
        message=f"Session saved to {path} and deleted successfully",
    )


@router.post(
    "/end-interview/{session_id}", response_model=SessionResponse, response_model_exclude_none=True
)
async def end_interview(session: SessionDep, service: ServiceDep, _: AdminDep) -> SessionResponse:
    """End the interview now: Mia closes it (the closing is in the history)."""
    turn = await service.send(session.session_id, "end_interview", "system")
    events = await service.run_to_end(turn)
    failure = next((e for e in events if e.kind == "error"), None)
    if failure is not None:
        raise HTTPException(status_code=503, detail=failure.data["message"])
    return SessionResponse(session_id=session.session_id, message="Interview ended successfully")


@router.get("/model-info", response_model=ModelInfo)
async def model_info(settings: SettingsDep) -> ModelInfo:
    provider = describe_provider(settings.llm)
    if provider["offline"]:
        description = (
            "Built-in offline interviewer model standing in for llama-3.3-70b-versatile "
            "(no GROQ_API_KEY is set, or INTERVIEWER_LLM=offline)"
        )
    else:
        description = "Pre-configured large language model for interview simulations"
    return ModelInfo(
        description=description, provider=provider["provider"], offline=provider["offline"]
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
