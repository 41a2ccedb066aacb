"""ReplyTask: the structured description of one thing the interviewer must say.

Nodes build a ReplyTask, render its prompt for a real LLM, and hand the same task to the offline
model, which needs facts rather than prose to play the interviewer. The task carries only what the
reply needs, never the whole transcript.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from graph import stages
from graph.language.rubrics import Rubric

ReplyKind = stages.ReplyKindName
"""What the reply is: a stage that speaks (graph/stages.py: welcome, personal, the main stages,
closing), `follow_up` (a cross-question on the current main question) or `redirect` (an
off-topic answer brought back to the current question, once)."""

FollowUpKind = Literal["deeper", "edge_case", "trade_off", "explain", "clarify", "steer"]
"""What a follow-up asks for; `steer` brings an answer on a neighbouring topic back towards the
question asked, without probing it as if it fitted."""

AnswerKind = Literal[
    "none", "answer", "short", "gap", "passed", "off_topic", "neighbour", "partial"
]
"""What the last candidate message was, as the code judged it: the reply's tone follows it (a gap
is met with reassurance, a pass with "no problem", an off-topic answer with no thanks for it, an
answer on a neighbouring topic is steered back to the question, of a partly relevant answer only
the part on the question is quoted or probed)."""


class Plan(BaseModel):
    """The interview's plan as the settings hold it, for an overview that tells the truth.

    `Plan(technical=3)` is short for `Plan(counts={**empty_plan(), "technical": 3})`.
    """

    counts: dict[str, int] = Field(default_factory=stages.empty_plan)
    """Questions per stage, by stage name (graph/stages.py); a stage not listed has none."""
    skills: list[str] = Field(default_factory=list)
    """The skills the technical questions cover, in order, without duplicates."""

    @model_validator(mode="before")
    @classmethod
    def _counts_by_stage_name(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        named = {key: data[key] for key in data if stages.find(key) is not None}
        if not named:
            return data
        rest = {key: value for key, value in data.items() if key not in named}
        return rest | {"counts": {**(rest.get("counts") or stages.empty_plan()), **named}}

    def count(self, stage: str) -> int:
        """How many questions `stage` has in the plan."""
        return self.counts.get(stage, 0)


class ReplyTask(BaseModel):
    """What the interviewer must say next, and the facts it may use."""

    kind: ReplyKind
    candidate_name: str = ""
    job_position: str = ""
    job_description: str = ""
    skills: list[str] = Field(default_factory=list)
    number: int = 0
    """1-based position of this question within its stage (0 when not a question)."""
    of: int = 0
    """How many questions the stage has."""
    skill: str = ""
    """A question on the skills (technical), follow_up, redirect: the skill the question
    targets."""
    question: str = ""
    """The hiring team's question (custom); follow_up, redirect: the main question."""
    last_answer: str = ""
    """The candidate's latest answer, to acknowledge or to probe."""
    follow_up_kind: FollowUpKind | None = None
    asked: list[str] = Field(default_factory=list)
    """Questions already asked in this interview: none may be asked again."""
    asked_here: list[str] | None = None
    """The asked questions this reply could repeat, which its prompt lists (None: all of
    `asked`). A question can only repeat one of its own sort: a behavioral question another
    behavioral one, a technical question one on its skill, a follow-up one on its question."""
    answer_kind: AnswerKind = "none"
    """How the code read `last_answer` (see AnswerKind)."""
    rubric: Rubric | None = None
    """The rubric of the question `last_answer` answered (follow_up, redirect, and the reply
    after an answer): what may be quoted, and which concept a follow-up aims at."""
    plan: Plan = Field(default_factory=Plan)
    """The whole interview's plan (welcome and closing speak of it)."""
    ended_early: bool = False
    """closing: the interview ends before the plan's last question (an admin ended it)."""
    said: list[str] = Field(default_factory=list)
    """The interviewer's earlier replies in this interview, so phrasings are not reused."""
    seed: int = 0
    """Per-session seed: the offline model is deterministic for a given seed and task."""
