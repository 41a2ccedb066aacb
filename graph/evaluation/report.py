"""The evaluation report: a scorecard for one finished interview, as Pydantic models.

Every field is filled by code. An LLM (or the offline heuristic) only *proposes* a score and
quotes per question; the checks in `graph.evaluation.evidence` and the rules in
`graph.evaluation.aggregate` decide what the report says.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from graph.evaluation.understanding import NonAnswer
from graph.integrity import AnswerEvidence, ProbeOutcome
from graph.state import MainStage

RUBRIC_VERSION = "2026-12-02.r3"
"""Changes whenever the rubric, a prompt of the evaluator or an aggregation rule changes, so a
report can be compared only with reports of the same version."""

GeneratedBy = Literal["groq", "openai", "offline-heuristic"]
"""Who proposed the scores: an LLM provider that answers structured calls (its name, as
graph.llm.describe gives it), or the offline heuristic."""
ScoredBy = Literal["rule", "heuristic", "model"]
QuestionStatus = Literal["scored", "insufficient_evidence", "not_answered", "not_reached"]
"""`scored` (a non-answer too: the lowest anchor), `insufficient_evidence` (the proposer gave
nothing the code could verify), `not_answered` (asked; the interview ended before a reply),
`not_reached` (never asked)."""
Recommendation = Literal[
    "strong_hire", "hire", "lean_hire", "lean_no_hire", "no_hire", "insufficient_evidence"
]

COMMUNICATION = "Communication"
INTEGRITY_NOTE = (
    "Signals for a human reviewer, not verdicts: the cheat detector matches patterns, and a "
    "flagged message may be innocent."
)


def _unset(value: object) -> bool:
    """A field this release added, at its empty value: left out, so a report stored by an
    earlier release is served exactly as it was stored (tests/api/test_api_upgrade.py)."""
    return value is None or value is False or value == 0 or value == []


class Evidence(BaseModel):
    """A verbatim excerpt of the candidate's own words."""

    quote: str
    turn: int = Field(
        description="Index of the candidate's message in the session's `history` "
        "(GET /conversation-history and the saved session file), 0-based."
    )


class QuestionReport(BaseModel):
    """One main question of the plan, asked or not, with its verified assessment."""

    number: int = Field(ge=1, description="Main question number, 1-based, in plan order.")
    stage: MainStage
    skill: str | None = Field(default=None, description="The skill a technical question targets.")
    question: str = Field(description="The question as asked (or planned, when never asked).")
    asked: bool = True
    follow_ups: list[str] = Field(default_factory=list, description="The cross-questions asked.")
    status: QuestionStatus
    score: int | None = Field(default=None, ge=1, le=5, description="1-5; null unless scored.")
    evidence: list[Evidence] = Field(default_factory=list)
    rationale: str = ""
    admitted_gap: bool = Field(
        default=False, description="The candidate said they did not know (caps the score)."
    )
    communication: int | None = Field(
        default=None, ge=1, le=5, description="Clarity of the answers, 1-5; null unless scored."
    )
    dropped_quotes: int = Field(
        default=0, description="Quotes proposed for this question that the code rejected."
    )
    scored_by: ScoredBy | None = Field(
        default=None,
        exclude_if=_unset,
        description="What decided the score: `rule` (a non-answer, the lowest anchor by code), "
        "`heuristic` (the offline heuristic) or `model` (the LLM judge); null unless scored.",
    )
    judge_scores: list[int] = Field(
        default_factory=list,
        exclude_if=_unset,
        description="The LLM judge's score in each of its runs on this question (empty "
        "offline); the score is their median.",
    )
    disagreement: bool = Field(
        default=False,
        exclude_if=_unset,
        description="The judge's runs spread by more than one point: a human should look.",
    )
    non_answer: NonAnswer | None = Field(
        default=None,
        exclude_if=_unset,
        description="Set when every reply on the question was a non-answer (`gap`, `pass`, "
        "`off_topic`, `one_word`, `blank`): it scores the lowest anchor, 1/5, with the replies "
        "quoted.",
    )


class SkillReport(BaseModel):
    """One skill of the settings (or Communication), from its questions' scores."""

    skill: str
    score: float | None = Field(default=None, ge=0, le=10, description="0-10; null: not covered.")
    questions: list[int] = Field(default_factory=list, description="Question numbers it rests on.")
    justification: str
    evidence: list[Evidence] = Field(default_factory=list)


class UncoveredSkill(BaseModel):
    """A skill of the settings that no scored question covered: the recommendation stays below
    `strong_hire`."""

    skill: str
    reason: str = Field(description="Why no question covered it.")


class Overall(BaseModel):
    score: float | None = Field(default=None, ge=1, le=10, description="1-10; null: no evidence.")
    recommendation: Recommendation
    summary: str
    strengths: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)
    planned: int = Field(
        default=0, exclude_if=_unset, description="Main questions the interview planned."
    )
    reached: int = Field(
        default=0,
        exclude_if=_unset,
        description="Main questions the candidate replied to (an answer or a non-answer); "
        "under half of `planned` makes the recommendation `insufficient_evidence`.",
    )
    uncovered_skills: list[UncoveredSkill] = Field(
        default_factory=list,
        exclude_if=_unset,
        description="Skills of the settings no scored question covered, each with the reason; "
        "any caps the recommendation at `hire`.",
    )


class FlaggedEvent(BaseModel):
    """A message the cheat detector flagged (see graph.state.CheatEvent)."""

    turn: int
    category: str
    rule: str
    excerpt: str
    time: str


class ProcessRequest(BaseModel):
    """A process request or pass (see graph.state.ProcessEvent): shown, never counted."""

    turn: int
    kind: str
    rule: str
    excerpt: str
    number: int = 0
    time: str = ""


class Integrity(BaseModel):
    potential_cheat_attempts: int = 0
    events: list[FlaggedEvent] = Field(default_factory=list)
    process_requests: list[ProcessRequest] = Field(
        default_factory=list,
        description="Ending early, asking for feedback or the score, passing on a question: not "
        "cheating, listed so the hiring team sees them.",
    )
    note: str = INTEGRITY_NOTE
    # Left out when empty, so a report stored before these fields existed reads back unchanged.
    answer_signals: list[AnswerEvidence] = Field(
        default_factory=list,
        exclude_if=lambda answers: not answers,
        description="Paste, focus and timing signals of every answer, each with a plain-language "
        "note (graph/integrity.py): evidence for people, never counted, never scored.",
    )
    signals_summary: str = Field(
        default="",
        exclude_if=lambda summary: not summary,
        description='The signals in one line: "3 of 7 answers mostly pasted".',
    )
    depth_probes: list[ProbeOutcome] = Field(
        default_factory=list,
        exclude_if=lambda probes: not probes,
        description="Each depth probe beside the answer it probed and the answer it got.",
    )


WebhookStatus = Literal["not_configured", "pending", "delivered", "failed"]


class Provenance(BaseModel):
    """What produced the scores (graph/evaluation/provenance.py), so a score can be answered for
    and compared only with scores made the same way."""

    evaluator: str = Field(
        description="`offline-heuristic`, or the provider and model id that judged "
        "(`groq:llama-3.3-70b-versatile`)."
    )
    rubric_version: str = RUBRIC_VERSION
    prompt_hashes: dict[str, str] = Field(
        default_factory=dict,
        description="Each evaluation prompt's template as used, by name: the first 16 hex digits "
        "of its SHA-256 (empty offline: the heuristic reads no prompt).",
    )
    code_version: str = Field(
        description="The package version and a digest of the scoring code "
        "(graph/evaluation, graph/language)."
    )
    judge_runs: int = Field(default=1, ge=1, description="Judge runs per answered question.")
    seeds: list[int] = Field(default_factory=list, description="The runs' sampling seeds.")
    temperature: float | None = Field(
        default=None, description="The runs' sampling temperature (null offline)."
    )


class WebhookOutcome(BaseModel):
    """What happened when the report was POSTed to INTERVIEWER_WEBHOOK_URL (api/webhook.py's
    outbox): `not_configured` (no webhook URL: nothing was sent), `pending` (stored, being
    delivered or waiting for its next attempt), `delivered` or `failed` (attempts used up, or
    a final refusal)."""

    status: WebhookStatus = Field(
        default="pending",
        description="not_configured, pending, delivered or failed; reports stored before it "
        "existed say delivered or failed, from `delivered`.",
    )
    delivery_id: str | None = Field(
        default=None,
        description="The X-Interviewer-Delivery header of every attempt: a receiver drops a "
        "delivery id it has seen.",
    )
    delivered: bool
    attempts: int
    last_error: str | None = None
    status_code: int | None = None
    delivered_at: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _status_of_old_reports(cls, data: Any) -> Any:
        if isinstance(data, dict) and "status" not in data and "delivered" in data:
            return {**data, "status": "delivered" if data["delivered"] else "failed"}
        return data


class Usage(BaseModel):
    """LLM calls the evaluation made and their tokens, as the provider reported them."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Report(BaseModel):
    """The scorecard of one interview (the JSON of GET /report/{session_id} once it is ready;
    api/report_types.py has the pending and failed forms of a session's report)."""

    session_id: str
    status: Literal["ready"] = "ready"
    generated_by: GeneratedBy
    model: str = Field(description="The model that proposed the scores, or offline-heuristic.")
    rubric_version: str = RUBRIC_VERSION
    created_at: str
    candidate_name: str = ""
    job_position: str = ""
    questions: list[QuestionReport] = Field(default_factory=list)
    skills: list[SkillReport] = Field(default_factory=list)
    overall: Overall
    integrity: Integrity = Field(default_factory=Integrity)
    usage: Usage = Field(default_factory=Usage)
    provenance: Provenance | None = Field(
        default=None,
        exclude_if=_unset,
        description="What produced the scores: evaluator, rubric version, prompt hashes, code "
        "version, judge runs (null only in reports made before it existed).",
    )
    webhook: WebhookOutcome | None = None
    generation: int | None = Field(
        default=None,
        description="Which interview of the session it evaluated (a restart starts another); "
        "set by the API.",
    )
    checkpoint_id: str | None = Field(
        default=None, description="The checkpoint of the transcript evaluated; set by the API."
    )
