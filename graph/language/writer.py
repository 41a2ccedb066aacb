"""A rubric for a question the bank does not hold: written by the LLM when the question is
asked (one structured-output call), else derived from the question and the skill's concepts.

The call is made once per main question, after the question has streamed (the candidate never
waits for it), and the rubric is stored with the question in the interview state. It is bounded
by `rubric_timeout`; any failure falls back to the derived rubric and says so in the log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.constants import TAG_NOSTREAM
from pydantic import BaseModel, ConfigDict, Field

from graph.context import Context
from graph.language.relevance import Topic
from graph.language.rubrics import Anchors, Concept, Rubric, bank_rubric, derive_rubric

logger = logging.getLogger(__name__)

RUBRIC_PROMPT = "rubric"
RUBRIC_MAX_TOKENS = 700
RUBRIC_TAG = "question_rubric"


class WrittenConcept(BaseModel):
    """One concept as the LLM writes it."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=80, description="The concept, in a few words.")
    aliases: list[str] = Field(
        default_factory=list,
        max_length=12,
        description="Words candidates use for it: tools, commands, identifiers, synonyms.",
    )


class RubricDraft(BaseModel):
    """The rubric of one interview question (the LLM's structured answer)."""

    model_config = ConfigDict(extra="ignore")

    concepts: list[WrittenConcept] = Field(
        min_length=1, max_length=8, description="Two to six ideas a good answer covers."
    )
    anchors: Anchors = Field(description="What a weak, an adequate and a strong answer look like.")
    neighbours: list[WrittenConcept] = Field(
        default_factory=list,
        max_length=8,
        description="Neighbouring topics of the same skill that do not answer the question.",
    )


def _concepts(written: list[WrittenConcept]) -> tuple[Concept, ...]:
    return tuple(Concept(name=c.name, aliases=tuple(c.aliases)) for c in written[:12])


def rubric_messages(
    context: Context, question: str, skill: str, job_position: str = "", job_description: str = ""
) -> list[HumanMessage]:
    """The rubric call's prompt (`prompts/rubric.md`): the question, the skill and the job, as
    data."""
    from graph.prompts import data_values, render_prompt

    values = data_values(
        {
            "question": question,
            "skill": skill,
            "job_position": job_position,
            "job_description": job_description,
        }
    )
    return [HumanMessage(render_prompt(RUBRIC_PROMPT, values, context.prompts))]


async def write_rubric(
    context: Context,
    question: str,
    skill: str,
    topic: Topic,
    job_position: str = "",
    job_description: str = "",
) -> Rubric:
    """The rubric of `question`: the bank's, else the LLM's (when the provider answers
    structured calls), else derived. Never raises: the interview goes on either way."""
    shipped = bank_rubric(question)
    if shipped is not None:
        return shipped
    derived = derive_rubric(question, skill, topic)
    if context.model is not None or not question.strip():
        return derived  # a model injected for a test or Studio: no second call on it
    from graph.llm import StructuredCall, describe, structured_model

    if not describe(context).structured_output:
        return derived
    try:
        messages = rubric_messages(context, question, skill, job_position, job_description)
        call = StructuredCall(RubricDraft, RUBRIC_MAX_TOKENS, retries=False)
        model = structured_model(context, call).with_config(
            tags=[RUBRIC_TAG, TAG_NOSTREAM], run_name="write_rubric", metadata={"internal": True}
        )
        raw: Any = await asyncio.wait_for(model.ainvoke(messages), timeout=context.rubric_timeout)
        parsed = raw.get("parsed") if isinstance(raw, dict) else raw
        draft = RubricDraft.model_validate(
            parsed.model_dump() if isinstance(parsed, BaseModel) else parsed
        )
        return Rubric(
            question=question,
            skill=skill,
            concepts=_concepts(draft.concepts),
            anchors=draft.anchors,
            neighbours=_concepts(draft.neighbours),
            source="llm",
        )
    except Exception as exc:  # any failure of the call: the derived rubric serves
        logger.warning("rubric call failed, a derived rubric serves: %r", exc)
        return derived
