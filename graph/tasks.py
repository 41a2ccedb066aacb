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
    "custom",  # a hiring-team question, meaning kept
    "closing",  # thanks, next steps, goodbye (the code appends the end marker)
]

FollowUpKind = Literal["deeper", "edge_case", "trade_off", "explain"]


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
    seed: int = 0
    """Per-session seed: the offline model is deterministic for a given seed and task."""
