"""Request dependencies: the app's services and the session a path names."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from api.config import Settings
from api.interviews import InterviewService
from api.store import SessionRow, SessionStore


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_service(request: Request) -> InterviewService:
    service: InterviewService = request.app.state.service
    return service


def get_store(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[InterviewService, Depends(get_service)]
StoreDep = Annotated[SessionStore, Depends(get_store)]


def session_not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="Session not found")


async def get_session(
    store: StoreDep, session_id: Annotated[str, Path(description="UUID of the session")]
) -> SessionRow:
    """The session the path names; 404 for unknown ids, malformed ones included."""
    try:
        canonical = str(uuid.UUID(session_id))
    except ValueError:
        raise session_not_found() from None
    row = await store.get(canonical)
    if row is None:
        raise session_not_found()
    return row


SessionDep = Annotated[SessionRow, Depends(get_session)]
