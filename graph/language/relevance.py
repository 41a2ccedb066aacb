"""How an answer relates to the question asked, read from the question's rubric.

Not word overlap: an answer is on topic when it touches one of the rubric's concepts (any of
their aliases: "py-spy" is profiling), on a *neighbouring* topic when it only touches the skill's
other concepts or general technical ground (indexes, to a question on isolation levels), and off
topic when it touches none of them (parking, football). A partly relevant answer is on topic
with a sentence that is not: only its on-topic sentences may be quoted.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.language.match import mentions
from graph.language.rubrics import Concept, Rubric
from graph.language.words import TECH_TERMS, WORK_TERMS, content_tokens, sentences, stem

RelevanceKind = Literal["on_topic", "partial", "neighbour", "off_topic"]
"""on_topic: touches a concept of the question; partial: on topic, with a sentence about
something else; neighbour: about the same skill or technical ground, but none of the question's
concepts; off_topic: about none of these."""

Topic = Literal["skill", "work"] | None
"""What a stage's answers are about (graph/stages.py `topic`)."""

OFF_TOPIC_SENTENCE_WORDS = 4
"""A sentence of at least this many content words that touches nothing makes an answer partial
(shorter ones are asides: "Sorry, I drifted.")."""


class Relevance(BaseModel):
    """An answer read against its question's rubric."""

    model_config = ConfigDict(frozen=True)

    kind: RelevanceKind
    covered: tuple[str, ...] = Field(default=(), description="The question's concepts it touches.")
    missed: tuple[str, ...] = Field(default=(), description="The question's concepts it misses.")
    neighbours: tuple[str, ...] = Field(
        default=(), description="Neighbouring concepts it touches instead."
    )
    relevant_sentences: tuple[str, ...] = Field(
        default=(), description="Its sentences that touch the question, the skill or its ground."
    )

    @property
    def answers_the_question(self) -> bool:
        """On topic, wholly or partly."""
        return self.kind in ("on_topic", "partial")


def touches(text: str, concept: Concept) -> bool:
    """Whether `text` mentions the concept by its name or any alias."""
    return any(mentions(text, term) for term in concept.terms)


_TECH_STEMS = frozenset(stem(t) for t in TECH_TERMS)
_WORK_STEMS = frozenset(stem(t) for t in WORK_TERMS)


def _on_ground(text: str, topic: Topic) -> bool:
    """Technical (or, for answers about work, work) vocabulary in `text`."""
    stems = {stem(t) for t in content_tokens(text)} | {t for t in content_tokens(text)}
    if stems & _TECH_STEMS:
        return True
    return topic != "skill" and bool(stems & _WORK_STEMS)


@lru_cache(maxsize=256)
def read_relevance(answer: str, rubric: Rubric, topic: Topic = "skill") -> Relevance:
    """How `answer` relates to the question `rubric` is for (see the module docstring).

    Cached: one turn reads the same answer against the same rubric several times (the policy,
    the reply's tone, the quotes)."""
    covered = tuple(c.name for c in rubric.concepts if touches(answer, c))
    missed = tuple(c.name for c in rubric.concepts if c.name not in covered)
    near = tuple(c.name for c in rubric.neighbours if touches(answer, c))
    relevant: list[str] = []
    stray = False
    for sentence in sentences(answer):
        linked = any(
            touches(sentence, c) for c in (*rubric.concepts, *rubric.neighbours)
        ) or _on_ground(sentence, topic)
        if linked:
            relevant.append(sentence)
        elif len(content_tokens(sentence)) >= OFF_TOPIC_SENTENCE_WORDS:
            stray = True
    kind: RelevanceKind
    if covered:
        kind = "partial" if stray else "on_topic"
    elif near or relevant:
        kind = "neighbour"
    else:
        kind = "off_topic"
    return Relevance(
        kind=kind,
        covered=covered,
        missed=missed,
        neighbours=near,
        relevant_sentences=tuple(relevant),
    )
