"""Request and response bodies: the seed's models, with compatible additions."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.context import ProviderName
from graph.integrity import ClientSignals, IntegritySignals
from graph.llm import MODEL_NAME
from graph.state import InterviewSettings

MAX_MESSAGE_CHARS = 8000

__all__ = ["InterviewSettings"]


class ChatMessage(BaseModel):
    """A candidate message ("user") or an admin command ("system")."""

    model_config = ConfigDict(extra="ignore")

    message: str = Field(max_length=MAX_MESSAGE_CHARS)
    session_id: str
    type: Literal["user", "system"] = "user"
    signals: ClientSignals | None = Field(
        default=None,
        description="Optional: what the candidate page saw while the answer was written "
        "(keystrokes, typing time, pastes' lengths, focus losses; never the text). Kept with "
        "the answer as evidence for people; it never changes the cheat count.",
    )


class SessionResponse(BaseModel):
    session_id: str
    message: str
    candidate_token: str | None = Field(
        default=None, description="Only when auth is on: the candidate's token for this session."
    )
    expires_at: str | None = Field(
        default=None,
        description="create-session: when the invitation lapses unless the interview starts (UTC).",
    )


class InterviewStatus(BaseModel):
    session_id: str
    active: bool
    questions_asked: int
    total_expected_questions: int
    stage: str = Field(description="created, welcome, personal, behavioral, technical, ...")
    job_position: str = Field(default="", description="The role, for the candidate's page.")
    expires_at: str | None = Field(
        default=None, description="When the invitation lapses unless the interview starts (UTC)."
    )
    consented: bool = Field(
        default=False, description="Whether the candidate has acknowledged the AI notice."
    )
    accommodation: str | None = Field(
        default=None,
        description="A request for another process: requested (paused), resumed or closed.",
    )
    answer_time_limit_seconds: int | None = Field(
        default=None, description="The session's time limit per answer, if it has one."
    )
    answer_deadline: str | None = Field(
        default=None,
        description="With a time limit, while the interview waits for an answer: when the "
        "current question's time runs out (ISO 8601, UTC). A later answer is kept, labelled late.",
    )
    answer_seconds_left: float | None = Field(
        default=None,
        description="Seconds until `answer_deadline` as the server counts them (negative: "
        "past it), so a page's countdown does not depend on its own clock.",
    )


class MessageLabel(BaseModel):
    """Where a message sits in the plan (graph.state.LABEL_KEY); only with `?labels=true`."""

    model_config = ConfigDict(extra="allow")

    kind: str
    stage: str
    number: int = 0
    skill: str | None = None
    follow_up: int | None = None
    follow_ups: int | None = None
    flagged: bool | None = None


class HistoryItem(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    label: MessageLabel | None = Field(
        default=None, description="Only with `?labels=true` (admin), for labelled messages."
    )


PROVIDER_DESCRIPTION = (
    "The LLM provider this service runs (groq, openai or offline; as /model-info says); "
    "`model_name` stays the fixed name the API contract gives."
)


class ConversationHistory(BaseModel):
    session_id: str
    model_name: str = MODEL_NAME
    provider: ProviderName = Field(description=PROVIDER_DESCRIPTION)
    active: bool
    questions_asked: int
    total_expected_questions: int
    history: list[HistoryItem]


class SessionSummary(BaseModel):
    model_name: str = MODEL_NAME
    provider: ProviderName = Field(description=PROVIDER_DESCRIPTION)
    last_access: str
    interview_active: bool
    questions_asked: int
    total_expected_questions: int
    stage: str = Field(description="created, welcome, personal, behavioral, technical, ...")
    potential_cheat_attempts: int = 0
    candidate_name: str = ""
    job_position: str = ""
    expires_at: str | None = Field(
        default=None, description="When the invitation lapses unless the interview starts."
    )
    invitation_expired: bool = False
    consented_at: str | None = None
    accommodation: dict[str, Any] | None = Field(
        default=None,
        description="A request for another process or an accommodation: text, requested_at, "
        "status (requested, resumed, closed).",
    )
    legal_hold: bool = False


class SavedSessionSummary(BaseModel):
    session_id: str
    saved_at: str
    reason: str = Field(description="saved, deleted, expired or restart")


class ModelInfo(BaseModel):
    model_name: str = MODEL_NAME
    description: str
    provider: ProviderName
    offline: bool
    served_model: str = Field(
        description="The model the provider serves: llama-3.3-70b-versatile on Groq, the "
        "configured INTERVIEWER_OPENAI_MODEL on an OpenAI-compatible endpoint, "
        "offline-interviewer offline."
    )


class CheatEventOut(BaseModel):
    turn: int
    category: str
    rule: str
    excerpt: str
    time: str


class SecurityInfo(BaseModel):
    session_id: str
    potential_cheat_attempts: int
    active: bool
    events: list[CheatEventOut] = Field(default_factory=list)
    integrity: IntegritySignals | None = Field(
        default=None,
        description="Integrity signals of the answers; they never change potential_cheat_attempts.",
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    provider: ProviderName
    worker: int = Field(
        default_factory=os.getpid,
        description="The worker process that answered (one of INTERVIEWER_WORKERS).",
    )


class Readiness(BaseModel):
    """Whether this replica can serve (GET /readyz): 200 when `ready`, else 503 with why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "not_ready",
                    "reason": "database: no answer within 1s",
                    "database": "no answer within 1s",
                    "evaluation": "ok",
                    "draining": False,
                    "worker": 4242,
                }
            ]
        }
    )

    status: Literal["ready", "not_ready"]
    reason: str | None = Field(default=None, description="Why not, when not ready.")
    database: str = Field(description="`ok`, or what went wrong reaching it (within 1 s).")
    evaluation: Literal["ok", "dead"] = Field(
        description="The evaluation process: `dead` until it is replaced (within a second)."
    )
    draining: bool = Field(description="The replica is stopping: it finishes, takes no more.")
    worker: int = Field(default_factory=os.getpid, description="The worker that answered.")
