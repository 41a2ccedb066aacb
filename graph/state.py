"""Interview state: what the checkpoint holds for one session.

Everything an interview needs between two candidate turns lives here, so that any process that
opens the checkpoint can continue the interview. Counts are owned by code: the LLM only phrases.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph import add_messages
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Stage = Literal["welcome", "personal", "behavioral", "technical", "custom", "closing", "done"]
MainStage = Literal["behavioral", "technical", "custom"]

LABEL_KEY = "interview"
"""Key, in a transcript message's `additional_kwargs`, of its label: where the message sits in
the plan. A label is a plain dict (msgpack-safe): `kind` (LabelKind), `stage`, `number` (the
main question it belongs to, 1-based; 0 before the first), and where they apply `skill`,
`follow_up` (1-based), `follow_ups` (on an answer: follow-ups asked so far on that question),
`flagged` (on an answer: the cheat detector flagged it)."""

LabelKind = Literal["greeting", "personal", "question", "follow_up", "warning", "closing", "answer"]


def _integral_float_to_int(value: Any) -> Any:
    # JSON Schema's "integer" includes 5.0; it never includes true, false or "5".
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_integral_float_to_int), Field(strict=True)]
"""A count as JSON Schema means "integer": 5 or 5.0, not `false` (lax mode took it as 0)."""


class InterviewSettings(BaseModel):
    """The seed's InterviewSettings: what the hiring team chose for this session.

    Defaults are the seed's. The bounds keep one session's prompts small and its interview
    finite; they are checked before anything reaches the LLM.
    """

    model_config = ConfigDict(extra="ignore")

    # Strict: `false` is not a count and `"0.7"` not a temperature (lax mode took both).
    temperature: float = Field(default=0.7, ge=0.0, le=2.0, strict=True)
    top_p: float = Field(default=0.9, ge=0.0, le=1.0, strict=True)
    skills: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=30)
    job_position: str = Field(default="", max_length=200)
    job_description: str = Field(default="", max_length=8000)
    technical_questions: WholeNumber = Field(default=5, ge=0, le=20)
    behavioral_questions: WholeNumber = Field(default=3, ge=0, le=20)
    custom_questions: list[Annotated[str, Field(min_length=1, max_length=500)]] | None = Field(
        default=None, max_length=20
    )
    candidate_name: str = Field(default="", max_length=100)

    @property
    def total_expected_questions(self) -> int:
        return (
            self.technical_questions + self.behavioral_questions + len(self.custom_questions or [])
        )


class FollowUpDecision(BaseModel):
    """What the decision node chose after a technical answer, and why."""

    action: Literal["follow_up", "move_on"]
    reason: str
    kind: Literal["deeper", "edge_case", "trade_off", "explain"] | None = None


class CheatEvent(BaseModel):
    """One candidate message the cheat detector flagged."""

    turn: int
    category: str
    rule: str
    excerpt: str
    time: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())


class CandidateInput(BaseModel):
    """What a resume carries: the candidate's words or an admin command."""

    type: Literal["user", "system"] = "user"
    message: str = ""


def _settings_from_any(value: Any) -> InterviewSettings:
    # Studio and the LangGraph server hand input over as plain JSON, the API as a model.
    if isinstance(value, InterviewSettings):
        return value
    return InterviewSettings.model_validate(value or {})


@dataclass(kw_only=True)
class InputState:
    """What starting an interview needs: the session's settings."""

    settings: InterviewSettings = field(default_factory=InterviewSettings)
    """The hiring team's settings; immutable for the life of the interview."""

    def __post_init__(self) -> None:
        self.settings = _settings_from_any(self.settings)


@dataclass(kw_only=True)
class State(InputState):
    """The whole interview: transcript, position in the plan, and security signals."""

    messages: Annotated[list[AnyMessage], add_messages] = field(default_factory=list)
    """The transcript as the candidate saw it: interviewer (AI) and candidate (human) turns."""

    stage: Stage = "welcome"
    """Where the interview is. Moves forward only, and only by code."""

    active: bool = False
    """True from the greeting until the closing has been said."""

    candidate_name: str = ""
    """The name to address the candidate by: from settings, or learned in the welcome."""

    seed: int = 0
    """Per-session seed so the offline model is deterministic for a given session."""

    questions_asked: int = 0
    """Main questions asked so far (behavioral + technical + custom); follow-ups excluded."""

    total_expected_questions: int = 0
    """technical_questions + behavioral_questions + len(custom_questions)."""

    personal_asked: int = 0
    """Personal (interest in the role) questions asked so far; not counted as main questions."""

    follow_ups: int = 0
    """Follow-ups asked on the current technical question (reset on every main question)."""

    current_question: str = ""
    """The question the candidate is answering now, repeated after a flagged message."""

    main_question: str = ""
    """The main question being answered (what follow-ups probe)."""

    current_skill: str = ""
    """The skill the current technical question targets."""

    personal_planned: int = 1
    """How many personal questions this interview asks (fixed at the start)."""

    max_follow_ups: int = 2
    """Follow-ups allowed per technical question (fixed at the start)."""

    asked_questions: Annotated[list[str], operator.add] = field(default_factory=list)
    """Every question asked (welcome, personal, main, follow-up), so none is asked twice."""

    last_decision: FollowUpDecision | None = None
    """The latest follow-up decision with its reason, for Studio and the admin."""

    inbox: CandidateInput | None = None
    """The message being handled this turn (set by wait_for_candidate)."""

    flagged: bool = False
    """Whether the cheat detector flagged the message being handled."""

    potential_cheat_attempts: int = 0
    """How many candidate messages the cheat detector flagged."""

    cheat_events: Annotated[list[CheatEvent], operator.add] = field(default_factory=list)
    """What was flagged, when, and under which rule."""

    turns: int = 0
    """Candidate messages received (user and system)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        # A server that copies the graph (the LangGraph API server does) loses the strict-msgpack
        # allowlist, and its checkpoints hand our models back as plain dicts.
        if isinstance(self.inbox, dict):
            self.inbox = CandidateInput.model_validate(self.inbox)
        if isinstance(self.last_decision, dict):
            self.last_decision = FollowUpDecision.model_validate(self.last_decision)
        self.cheat_events = [
            CheatEvent.model_validate(e) if isinstance(e, dict) else e for e in self.cheat_events
        ]
