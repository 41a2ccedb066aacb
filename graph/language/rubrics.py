"""A question's rubric: what a good answer covers, what weak / adequate / strong answers look
like, and the neighbouring topics that are *not* an answer to it.

Every main question carries one. Bank questions ship theirs as data (`graph/rubrics.json`, keyed
by the question's text); a question written by an LLM or by the hiring team gets one when it is
asked (Groq: one structured-output call; offline: the question's own terms plus the skill's
concept list) and keeps it in the interview state. The follow-up policy reads relevance from
it, the offline interviewer aims its follow-ups at a concept the answer missed, the evaluator
scores against its anchors. How to write one: docs/RUBRICS.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

RUBRIC_FORMAT_VERSION = 1
"""The rubric format's version (bump it when a field's meaning changes)."""

RubricSource = Literal["bank", "llm", "derived"]
"""Where a rubric came from: shipped with a bank question (`bank`), written by the LLM when the
question was asked (`llm`), or made offline from the question's own terms and the skill's concepts
(`derived`)."""


class Concept(BaseModel):
    """One idea a good answer covers, with the words candidates use for it."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=80, description="The concept, as people say it.")
    aliases: tuple[str, ...] = Field(
        default=(),
        max_length=40,
        description=(
            "Other words for it, tools and identifiers included: profiling = py-spy, cProfile, "
            "flame graph, hot spot, profiler. Matched as whole words, plural or not, any case."
        ),
    )

    @field_validator("name", "aliases", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, str):
            return " ".join(value.split())
        if isinstance(value, list | tuple):
            return tuple(" ".join(str(v).split()) for v in value if str(v).strip())
        return value

    @property
    def terms(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)


class Anchors(BaseModel):
    """What a weak (1-2), an adequate (3) and a strong (4-5) answer to the question look like."""

    model_config = ConfigDict(frozen=True)

    weak: str = Field(min_length=1, max_length=400, description="A weak answer (scores 1-2).")
    adequate: str = Field(min_length=1, max_length=400, description="An adequate answer (3).")
    strong: str = Field(min_length=1, max_length=400, description="A strong answer (4-5).")


class Rubric(BaseModel):
    """The rubric of one question (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    question: str = Field(default="", max_length=2000, description="The question it is for.")
    skill: str = Field(default="", max_length=100, description="The skill asked about, if any.")
    concepts: tuple[Concept, ...] = Field(
        min_length=1,
        max_length=12,
        description="What a good answer covers; touching any one of them makes it on topic.",
    )
    anchors: Anchors
    neighbours: tuple[Concept, ...] = Field(
        default=(),
        max_length=12,
        description=(
            "Neighbouring topics of the same skill that are not an answer to this question: an "
            "answer about them is followed up towards the question asked, never probed as if "
            "it fitted (indexes and EXPLAIN ANALYZE are not an answer about isolation levels)."
        ),
    )
    source: RubricSource = Field(default="bank", description="Where the rubric came from.")
    version: int = Field(
        default=RUBRIC_FORMAT_VERSION, ge=1, description="The rubric format's version."
    )
