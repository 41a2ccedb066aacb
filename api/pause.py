"""The pause switch: new interviews stopped on every replica at once (EU AI Act Art. 14, a
person able to stop the system). Stored in the database and read on every start, so it holds
on every replica from the next request on; interviews already running go on to their end.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.errors import ERRORS
from api.sessions import SessionRepository


class PauseRequest(BaseModel):
    """Why new interviews are paused (shown in the 503 new interviews get)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "reviewing a complaint about question 3"}]},
    )

    reason: str = Field(default="no reason given", min_length=1, max_length=200)


class PauseState(BaseModel):
    """Whether new interviews are paused, on every replica."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "paused": True,
                    "reason": "reviewing a complaint",
                    "by": "Lee Chen",
                    "since": "2026-12-03T10:00:00.000000",
                }
            ]
        }
    )

    paused: bool
    reason: str | None = None
    by: str | None = None
    since: str | None = None


PAUSE_SWITCH = "interviews"


async def pause_state(repo: SessionRepository) -> PauseState:
    stored = await repo.switch(PAUSE_SWITCH)
    return PauseState.model_validate(stored) if stored else PauseState(paused=False)


async def refuse_if_paused(repo: SessionRepository) -> None:
    """503 with Retry-After for a new interview while paused (read on every start, so a
    pause holds on every replica at once)."""
    state = await pause_state(repo)
    if state.paused:
        raise ERRORS["interviews_paused"].http(reason=state.reason or "no reason given")
