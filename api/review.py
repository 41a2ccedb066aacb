"""People's review and decision, kept beside the AI's report and never merged into it.

A reviewer (or admin) reviews the AI's scores item by item: overrides a score, with a required
reason, or disregards an item; and adds private notes. Then decides: advance, reject or hold,
with a reason. Each review and decision is a row of its own (never updated): the latest of
each is the one in force, the earlier ones their history. The AI's report is stored and served
unchanged; `human_review` is added beside it when served, the Markdown scorecard gets a section
of its own, and the plain-language explanation for the candidate tells both apart (and never
shows the private notes).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.errors import ERRORS
from api.report_types import FailedReport
from api.sessions import SessionRepository
from graph.evaluation.report import Recommendation, Report

Decision = Literal["advance", "reject", "hold"]

REASON = Field(min_length=3, max_length=2000)


class ItemReview(BaseModel):
    """One AI item a person overrides or disregards: a question (by number) or a skill."""

    question: int | None = Field(default=None, ge=1, description="The question's number.")
    skill: str | None = Field(default=None, max_length=100, description="The skill's name.")
    action: Literal["override", "disregard"]
    score: float | None = Field(
        default=None,
        description="The person's score (override only): 1-5 for a question, 0-10 for a skill.",
    )
    reason: str = Field(
        default="",
        max_length=2000,
        description="Why; required for an override (it may be shown to the candidate).",
    )
    ai_score: float | None = Field(
        default=None, description="The AI's score when it was reviewed (set by the server)."
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if (self.question is None) == (self.skill is None):
            raise ValueError("name exactly one of `question` or `skill`")
        if self.action == "override":
            if self.score is None:
                raise ValueError("an override needs a `score`")
            if len(self.reason.strip()) < 3:
                raise ValueError("an override needs a `reason` (at least 3 characters)")
        elif self.score is not None:
            raise ValueError("a disregarded item takes no `score`")
        return self

    @property
    def label(self) -> str:
        return f"Q{self.question}" if self.question is not None else f"skill {self.skill}"


class ReviewRequest(BaseModel):
    """POST /report/{id}/review: overrides and disregards of the AI's items, and notes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "question": 2,
                            "action": "override",
                            "score": 4,
                            "reason": "The answer named the index trade-off; the AI missed it.",
                        },
                        {"skill": "sql", "action": "disregard", "reason": "Asked only once."},
                    ],
                    "notes": "Private: compare with the take-home before deciding.",
                }
            ]
        },
    )

    items: list[ItemReview] = Field(default_factory=list, max_length=100)
    notes: str | None = Field(
        default=None,
        max_length=5000,
        description="Private to the hiring team: never in the candidate's explanation.",
    )


class Review(ReviewRequest):
    """A review as recorded: by whom, when."""

    model_config = ConfigDict(extra="ignore")

    reviewer: str
    role: str
    at: str


class DecisionRequest(BaseModel):
    """POST /report/{id}/decision: the people's decision, beside the AI's recommendation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "advance", "reason": "Strong on SQL; the design gap is teachable."}
            ]
        },
    )

    decision: Decision
    reason: str = REASON


class DecisionRecord(DecisionRequest):
    """A decision as recorded: by whom, when, and what the AI recommended then."""

    # Its own example: the request's, inherited, lacks what the record adds.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "decision": "advance",
                    "reason": "Strong on SQL; the design gap is teachable.",
                    "decided_by": "Ana Ruiz",
                    "role": "reviewer",
                    "at": "2026-12-03T10:15:00+00:00",
                    "ai_recommendation": "lean_hire",
                }
            ]
        },
    )

    decided_by: str
    role: str
    at: str
    ai_recommendation: Recommendation


class HumanReview(BaseModel):
    """What people did with the AI's report: never merged into it."""

    ai_recommendation: Recommendation
    review: Review | None = Field(default=None, description="The review in force (the latest).")
    decision: DecisionRecord | None = Field(
        default=None, description="The decision in force (the latest)."
    )
    reviews: list[Review] = Field(default_factory=list, description="Every review, oldest first.")
    decisions: list[DecisionRecord] = Field(
        default_factory=list, description="Every decision, oldest first."
    )


def check_items(report: Report, request: ReviewRequest) -> list[ItemReview]:
    """The items with the AI's scores filled in; review_refused naming an item that is not
    in the report or a score off its scale."""
    questions = {q.number: q for q in report.questions}
    skills = {s.skill.lower(): s for s in report.skills}
    checked = []
    ai: float | None
    for item in request.items:
        if item.question is not None:
            question = questions.get(item.question)
            if question is None:
                raise ERRORS["review_refused"].http(
                    reason=f"The report has no question {item.question}."
                )
            low, high, ai = 1.0, 5.0, question.score
        else:
            assert item.skill is not None
            skill = skills.get(item.skill.lower())
            if skill is None:
                raise ERRORS["review_refused"].http(
                    reason=f"The report has no skill {item.skill!r}."
                )
            low, high, ai = 0.0, 10.0, skill.score
        if item.score is not None and not low <= item.score <= high:
            raise ERRORS["review_refused"].http(
                reason=f"{item.label}: a score is {low:g} to {high:g}, not {item.score:g}."
            )
        checked.append(item.model_copy(update={"ai_score": ai}))
    return checked


async def record_review(
    repo: SessionRepository, session_id: str, generation: int, review: Review
) -> None:
    await repo.add_review(session_id, generation, "review", review.model_dump(mode="json"))


async def record_decision(
    repo: SessionRepository, session_id: str, generation: int, decision: DecisionRecord
) -> None:
    await repo.add_review(session_id, generation, "decision", decision.model_dump(mode="json"))


async def human_review(
    repo: SessionRepository, session_id: str, generation: int, ai: Recommendation
) -> HumanReview:
    reviews: list[Review] = []
    decisions: list[DecisionRecord] = []
    for kind, body in await repo.reviews(session_id, generation):
        if kind == "review":
            reviews.append(Review.model_validate(body))
        elif kind == "decision":
            decisions.append(DecisionRecord.model_validate(body))
    return HumanReview(
        ai_recommendation=ai,
        review=reviews[-1] if reviews else None,
        decision=decisions[-1] if decisions else None,
        reviews=reviews,
        decisions=decisions,
    )


def _day(at: str) -> str:
    return at[:10]


def _score(value: float | None, scale: int) -> str:
    return "none" if value is None else f"{value:g}/{scale}"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def verdict_line(human: HumanReview) -> str:
    """ "AI: lean_hire · Reviewer Ana Ruiz, 2026-12-03: advance, because ..." """
    line = f"AI: {human.ai_recommendation}"
    decision = human.decision
    if decision is None:
        return line + " · no decision by a person yet"
    return (
        f"{line} · {decision.role.capitalize()} {decision.decided_by}, {_day(decision.at)}: "
        f"{decision.decision}, because {decision.reason}"
    )


def markdown_section(human: HumanReview) -> str:
    """The scorecard's section for the people's review and decision (beside the AI's)."""
    lines = ["", "## People's review and decision", "", f"**{_cell(verdict_line(human))}**", ""]
    review = human.review
    if review is None:
        lines.append("No person has reviewed the AI's scores yet.")
    else:
        lines += [f"Reviewed by {review.reviewer} ({review.role}), {review.at}.", ""]
        if review.items:
            lines += ["| item | AI | person | reason |", "| --- | --- | --- | --- |"]
            for item in review.items:
                scale = 5 if item.question is not None else 10
                person = "disregarded" if item.action == "disregard" else _score(item.score, scale)
                lines.append(
                    f"| {item.label} | {_score(item.ai_score, scale)} | {person} "
                    f"| {_cell(item.reason) or '—'} |"
                )
        else:
            lines.append("No item was overridden or disregarded.")
        if review.notes:
            lines += ["", f"Notes (private to the hiring team): {_cell(review.notes)}"]
    if len(human.decisions) > 1:
        lines += ["", "Earlier decisions:"]
        lines += [
            f"- {d.at}: {d.decided_by} ({d.role}): {d.decision}, because {_cell(d.reason)}"
            for d in human.decisions[:-1]
        ]
    return "\n".join([*lines, ""])


class Explanation(BaseModel):
    """GET /report/{id}/explanation: for the candidate, in plain language."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                    "text": "How your interview was assessed\n\nAn AI interviewer, Mia, ...",
                }
            ]
        }
    )

    session_id: str
    text: str = Field(description="Plain text, fit to send to the candidate as it is.")


def explain(report: Report, human: HumanReview) -> str:
    """How the AI was used and which quoted evidence drove each score, and what people did:
    never the reviewers' private notes."""
    reviewed: dict[str, ItemReview] = {
        item.label: item for item in (human.review.items if human.review else [])
    }
    name = report.candidate_name or "you"
    lines = [
        "How your interview was assessed",
        "",
        f"Your interview{f' for {report.job_position}' if report.job_position else ''} was "
        "conducted by an AI interviewer, Mia, which asked the questions and the follow-ups. "
        "After the interview, an automated evaluation "
        f"({'a fixed scoring procedure' if report.model == 'offline-heuristic' else report.model}, "
        f"rubric {report.rubric_version}) scored each answer from 1 to 5, using only what "
        f"{'you' if name == 'you' else name} said, and quoted the words each score rests on. "
        "People at the hiring team then reviewed that evaluation; the decision is theirs, "
        "not the AI's.",
        "",
        "What the evaluation found, question by question:",
    ]
    for q in report.questions:
        label = f"Q{q.number}"
        head = f"- Question {q.number} ({q.stage}{', ' + q.skill if q.skill else ''}): "
        head += f"scored {q.score} out of 5." if q.score is not None else f"{_status(q.status)}."
        lines.append(head)
        for quote in q.evidence[:3]:
            lines.append(f'  Based on your words: "{" ".join(quote.quote.split())}"')
        item = reviewed.get(label)
        if item is not None:
            lines.append("  " + _person_did(item, 5))
    for skill in report.skills:
        item = reviewed.get(f"skill {skill.skill}")
        if item is not None:
            lines.append(f"- Skill {skill.skill}: " + _person_did(item, 10))
    lines += ["", f"The evaluation's overall recommendation was: {_plain(report.overall)}."]
    decision = human.decision
    if decision is None:
        lines.append("No decision has been made by a person yet.")
    else:
        lines.append(
            f"The hiring team's decision, made by a person on {_day(decision.at)}: "
            f"{decision.decision}. Reason given: {decision.reason}"
        )
    lines += [
        "",
        "You may ask the hiring team for a person to review this assessment again, and to "
        "correct any information about you.",
    ]
    return "\n".join(lines)


def _status(status: str) -> str:
    return {
        "not_answered": "not answered, so not scored",
        "insufficient_evidence": "not scored: the answer gave too little to go on",
    }.get(status, status.replace("_", " "))


def _plain(overall: Any) -> str:
    return str(overall.recommendation).replace("_", " ")


def _person_did(item: ItemReview, scale: int) -> str:
    if item.action == "disregard":
        said = "A person at the hiring team set the AI's assessment of this aside"
    else:
        said = f"A person at the hiring team changed this score to {item.score:g} out of {scale}"
    return said + (f", because: {item.reason}" if item.reason.strip() else ".")


class ReviewedReport(Report):
    """The AI's report as served: unchanged, with the people's review beside it."""

    human_review: HumanReview | None = Field(
        default=None,
        exclude_if=lambda human: human is None,
        description="What people did with this report (review, decision, their history), "
        "once someone reviewed or decided; never merged into the AI's scores above.",
    )


ServedReviewedReport = Annotated[FailedReport | ReviewedReport, Field(discriminator="status")]
"""The 200 body of GET /report/{session_id}: a failed evaluation, or the report with the
people's review beside it."""


def with_people(scorecard: str, human: HumanReview) -> str:
    """The AI's Markdown scorecard with the people's verdict under its title and their review
    as a section of its own."""
    title, _, rest = scorecard.partition("\n")
    return f"{title}\n\n> {_cell(verdict_line(human))}\n{rest.rstrip()}\n{markdown_section(human)}"


def served(report: Report, human: HumanReview) -> ReviewedReport:
    """The report as served: `human_review` beside it once a person reviewed or decided."""
    people = human if human.reviews or human.decisions else None
    return ReviewedReport.model_validate({**report.model_dump(), "human_review": people})
