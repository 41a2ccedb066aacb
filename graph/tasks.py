"""ReplyTask: the structured description of one thing the interviewer must say.

Nodes build a ReplyTask, render its prompt for a real LLM, and hand the same task to the offline
model, which needs facts rather than prose to play the interviewer. The task carries only what the
reply needs, never the whole transcript.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ReplyKind = Literal[
    "welcome",  # greeting; asks the name when unknown, else the first personal question
    "personal",  # a question on the candidate's interest in the role
    "behavioral",  # a main behavioral question
    "technical",  # a main technical question on `skill`
    "follow_up",  # a cross-question on the current technical question
    "redirect",  # an off-topic answer: bring the candidate back to the current question, once
    "custom",  # a hiring-team question, meaning kept
    "closing",  # thanks, next steps, goodbye (the code appends the end marker)
]

FollowUpKind = Literal["deeper", "edge_case", "trade_off", "explain", "clarify"]

AnswerKind = Literal["none", "answer", "short", "gap", "passed", "off_topic"]
"""What the last candidate message was, as the code judged it: the reply's tone follows it (a gap
is met with reassurance, a pass with "no problem", an off-topic answer with no thanks for it)."""


class Plan(BaseModel):
    """The interview's plan as the settings hold it, for an overview that tells the truth."""

    personal: int = 1
    behavioral: int = 0
    technical: int = 0
    custom: int = 0
    skills: list[str] = Field(default_factory=list)
    """The skills the technical questions cover, in order, without duplicates."""


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
    """technical / follow_up: the skill the question targets."""
    question: str = ""
    """custom: the hiring team's question; follow_up: the main question being probed."""
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
    plan: Plan = Field(default_factory=Plan)
    """The whole interview's plan (welcome and closing speak of it)."""
    ended_early: bool = False
    """closing: the interview ends before the plan's last question (an admin ended it)."""
    said: list[str] = Field(default_factory=list)
    """The interviewer's earlier replies in this interview, so phrasings are not reused."""
    seed: int = 0
    """Per-session seed: the offline model is deterministic for a given seed and task."""
