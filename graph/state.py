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

from graph import stages
from graph.integrity import AnswerSignals, ClientSignals, DepthProbe

Stage = stages.StageName
"""Where the interview is: a stage of the plan (graph/stages.py)."""
MainStage = stages.MainStageName
"""A stage of main questions (graph/stages.py)."""

LABEL_KEY = "interview"
"""Key, in a transcript message's `additional_kwargs`, of its label: where the message sits in
the plan. A label is a plain dict (msgpack-safe): `kind` (LabelKind), `stage`, `number` (the
main question it belongs to, 1-based; 0 before the first), and where they apply `skill`,
`follow_up` (1-based) and `follow_up_kind` (on a follow-up: what it asks for, `steer` included),
`follow_ups` (on an answer: follow-ups asked so far on that question),
and on a candidate message (kind "answer") the screening's verdict: `flagged` (an integrity
match: counted in `potential_cheat_attempts`), `passed: true` (the candidate passed on the
question: it is *not answered*, and the interview moved on), `process` (the request kind of a
process request, e.g. "end_early", "feedback_request": no answer either), `empty: true` (an
empty, blank or punctuation-only message: no answer, nothing advanced). An answer without
`passed`, `process`, `empty` or `flagged` is a real answer to the question in `number`.

Interviewer kinds beyond the plan: `warning` (the fixed integrity warning), `process` (the polite
fixed reply to a process request), `nudge` (the gentle prompt after an empty message) and
`redirect` (an off-topic answer brought back to the question, once); all four repeat the
current question and advance nothing."""

LabelKind = Literal[
    "greeting",
    "personal",
    "question",
    "follow_up",
    "redirect",
    "warning",
    "process",
    "nudge",
    "closing",
    "answer",
]

Screening = Literal["answer", "empty", "integrity", "process", "pass"]
"""The screening's verdict on the message being handled (see graph.cheat_rules.OUTCOMES)."""


def _integral_float_to_int(value: Any) -> Any:
    # JSON Schema's "integer" includes 5.0; it never includes true, false or "5".
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_integral_float_to_int), Field(strict=True)]
"""A count as JSON Schema means "integer": 5 or 5.0, not `false` (lax mode took it as 0)."""
TimeLimit = Annotated[
    int, Field(strict=True, ge=0, le=86_400), BeforeValidator(_integral_float_to_int)
]
"""Seconds per answer, as WholeNumber but bounded inside the type (a union keeps the bounds)."""


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
    invitation_days: float | None = Field(
        default=None,
        gt=0,
        le=90,
        strict=True,
        description="How long the invitation lasts unless the interview starts, in days "
        "(fractions allowed); unset, the server's INTERVIEWER_INVITATION_DAYS.",
    )
    # The bounds inside the union: on the union itself the schema would say "ge", which JSON
    # Schema does not know, and so promise that any integer is accepted.
    answer_time_limit_seconds: TimeLimit | None = Field(
        default=None,
        # Unset, it is left out of stored settings and saved documents, as the seed's are.
        exclude_if=lambda limit: limit is None,
        description="Seconds the candidate has for each answer: the candidate page counts down, "
        "a late answer is kept and labelled late, never refused. 0: no limit; unset: the "
        "server's INTERVIEWER_ANSWER_TIME_LIMIT_SECONDS (off unless configured).",
    )

    @property
    def total_expected_questions(self) -> int:
        """The main questions these settings ask: every main stage's count (graph/stages.py)."""
        return stages.main_question_count(self)


class FollowUpJudgement(BaseModel):
    """Decide what the interviewer does after the candidate's answer to a technical question.

    This model is the schema of the LLM judge's structured output (`INTERVIEWER_FOLLOW_UP=llm`),
    so its field descriptions are instructions to that judge. The code still owns the limits: a
    follow-up past the limit or a second redirect on one question becomes a move-on whoever
    decided it.
    """

    action: Literal["follow_up", "redirect", "move_on"] = Field(
        description=(
            "follow_up: ask one more question on this answer (it is on topic and there is "
            "something worth probing or clarifying); redirect: the answer is off topic, bring "
            "the candidate back to the question; move_on: take the next question (the answer "
            "is complete enough, admits a gap, or the candidate passed)."
        )
    )
    reason: str = Field(
        description="One short sentence on why, naming what in the answer led to the action.",
        max_length=300,
    )
    kind: Literal["deeper", "edge_case", "trade_off", "explain", "clarify", "steer"] | None = Field(
        default=None,
        description=(
            "Only with follow_up. clarify: the answer is short or vague, ask what exactly "
            "they mean; explain: ask for a concrete example of one part; deeper: go one "
            "level deeper into how it works; edge_case: ask about a failure or edge case; "
            "trade_off: ask what they gave up and why; steer: the answer is about a "
            "neighbouring topic, not what was asked: bring them back towards the question."
        ),
    )


class FollowUpDecision(FollowUpJudgement):
    """What the decision node chose after a technical answer, why, and who decided."""

    source: Literal["rules", "llm"] = Field(
        default="rules", description="Who decided: the rules in code or the LLM judge."
    )


class CheatEvent(BaseModel):
    """One candidate message the screening filed as an integrity matter (a potential cheat)."""

    turn: int
    category: str
    rule: str
    excerpt: str
    time: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())


class ProcessEvent(BaseModel):
    """One process request (ending early, asking for feedback or the score) or pass.

    Kept apart from `CheatEvent` because none of these is cheating: they are recorded so the
    hiring team sees them, and they never count in `potential_cheat_attempts`.
    """

    turn: int
    kind: Literal["end_early", "feedback_request", "pass_question"]
    rule: str
    excerpt: str
    stage: str = ""
    number: int = 0
    """The main question the request was made on (0 before the first)."""
    time: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())


class CandidateInput(BaseModel):
    """What a resume carries: the candidate's words or an admin command."""

    type: Literal["user", "system"] = "user"
    message: str = ""
    signals: ClientSignals | None = None
    """What the candidate page saw while the message was written (None: another client)."""
    received_at: str | None = None
    """When the API received the message (ISO 8601, UTC); None: now (Studio, tests)."""


def _settings_from_any(value: Any) -> InterviewSettings:
    # Studio and the LangGraph server hand input over as plain JSON, the API as a model.
    if isinstance(value, InterviewSettings):
        return value
    return InterviewSettings.model_validate(value or {})


@dataclass(kw_only=True)
class InputState:
    """What starting an interview needs: the session's settings and seed."""

    settings: InterviewSettings = field(default_factory=InterviewSettings)
    """The hiring team's settings; immutable for the life of the interview."""

    seed: int = 0
    """Seed of the interview's choices (the offline model's wording, nudges, follow-up kinds):
    the same seed and answers make the same interview. The API passes its session's, the same
    for every interview of the session; unset (Studio), 0."""

    def __post_init__(self) -> None:
        self.settings = _settings_from_any(self.settings)


@dataclass(kw_only=True)
class State(InputState):
    """The whole interview: transcript, position in the plan, and security signals."""

    messages: Annotated[list[AnyMessage], add_messages] = field(default_factory=list)
    """The transcript as the candidate saw it: interviewer (AI) and candidate (human) turns."""

    stage: Stage = stages.STAGES[0].name
    """Where the interview is. Moves forward only, and only by code."""

    active: bool = False
    """True from the greeting until the closing has been said."""

    candidate_name: str = ""
    """The name to address the candidate by: from settings, or learned in the welcome."""

    questions_asked: int = 0
    """Main questions asked so far (of every main stage); follow-ups excluded."""

    total_expected_questions: int = 0
    """Main questions the interview asks: the main stages' counts, fixed at the start."""

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

    rubric: dict[str, Any] | None = None
    """The current main question's rubric (`graph.language.rubrics.Rubric` as JSON: the bank's,
    the LLM's written when the question was asked, or derived offline). None before the first
    main question and in interviews started before rubrics existed: it is then derived when
    read (`graph.follow_up.question_rubric`)."""

    personal_planned: int = 1
    """How many personal questions this interview asks (fixed at the start)."""

    max_follow_ups: int = 2
    """Follow-ups allowed per technical question (fixed at the start)."""

    asked_questions: Annotated[list[str], operator.add] = field(default_factory=list)
    """Every question asked (welcome, personal, main, follow-up), so none is asked twice."""

    last_decision: FollowUpDecision | None = None
    """The latest follow-up decision with its reason, for Studio and the admin."""

    decisions: Annotated[list[FollowUpDecision], operator.add] = field(default_factory=list)
    """Every follow-up decision of the interview, in order (appended, never replaced)."""

    inbox: CandidateInput | None = None
    """The message being handled this turn (set by wait_for_candidate)."""

    flagged: bool = False
    """Whether the screening filed the message being handled as an integrity matter."""

    screening: Screening = "answer"
    """The screening's verdict on the message being handled; routing reads it."""

    potential_cheat_attempts: int = 0
    """How many candidate messages were integrity matters (process requests never count)."""

    cheat_events: Annotated[list[CheatEvent], operator.add] = field(default_factory=list)
    """What was flagged, when, and under which rule."""

    process_events: Annotated[list[ProcessEvent], operator.add] = field(default_factory=list)
    """Process requests and passes, when and under which rule (appended, never replaced)."""

    redirects: int = 0
    """Off-topic redirects on the current main question (at most one; reset per question)."""

    questions_passed: int = 0
    """Main questions the candidate passed on (recorded as not answered)."""

    turns: int = 0
    """Candidate messages received (`user` only: admin `system` commands are not counted, so
    they never use up the candidate's turn allowance)."""

    answer_signals: Annotated[list[AnswerSignals], operator.add] = field(default_factory=list)
    """Integrity signals of every non-empty candidate message, in order (graph/integrity.py):
    evidence for people, never counted as cheating."""

    probe: DepthProbe | None = None
    """A depth probe decided on the latest answer and not yet asked (graph/depth_probe.py)."""

    depth_probes: Annotated[list[DepthProbe], operator.add] = field(default_factory=list)
    """Every depth probe asked, in order."""

    def __post_init__(self) -> None:
        super().__post_init__()
        # Checkpoints rebuild our models (they are on the strict-msgpack allowlist), but a state
        # edited as JSON (Studio's state editor, the SDK's update_state) puts plain dicts in the
        # channels, and routes read these fields as models.
        if isinstance(self.inbox, dict):
            self.inbox = CandidateInput.model_validate(self.inbox)
        if isinstance(self.last_decision, dict):
            self.last_decision = FollowUpDecision.model_validate(self.last_decision)
        self.decisions = [
            FollowUpDecision.model_validate(d) if isinstance(d, dict) else d for d in self.decisions
        ]
        self.cheat_events = [
            CheatEvent.model_validate(e) if isinstance(e, dict) else e for e in self.cheat_events
        ]
        self.process_events = [
            ProcessEvent.model_validate(e) if isinstance(e, dict) else e
            for e in self.process_events
        ]
        self.answer_signals = [
            AnswerSignals.model_validate(e) if isinstance(e, dict) else e
            for e in self.answer_signals
        ]
        if isinstance(self.probe, dict):
            self.probe = DepthProbe.model_validate(self.probe)
        self.depth_probes = [
            DepthProbe.model_validate(e) if isinstance(e, dict) else e for e in self.depth_probes
        ]
