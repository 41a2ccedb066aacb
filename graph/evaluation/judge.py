"""The LLM evaluator: one structured-output call per answered main question, through the port.

The serving provider's model (Groq, or an OpenAI-compatible endpoint) proposes a score, quotes
and a rationale as an `AnswerAssessment` (field descriptions included: the schema of a forced
tool call or of a JSON answer); it never decides the report: the checks in
graph.evaluation.evidence and the rules in graph.evaluation.aggregate do. Calls run at
temperature 0, are tagged `interview_evaluation` and `nostream` (so no stream mode of LangGraph
forwards their tokens, and the evaluator has no stream writer anyway), and are bounded: the
provider's SDK retries transport errors (`groq_max_retries`, `openai_max_retries`), and an
answer that does not fit the schema is asked again at most `MAX_ATTEMPTS` times in all before
the question is left unscored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.constants import TAG_NOSTREAM
from pydantic import BaseModel, Field

from graph.context import Context
from graph.evaluation.evidence import Proposal, ProposedQuote
from graph.evaluation.report import Usage
from graph.evaluation.transcript import QuestionTranscript
from graph.llm import PromptTooLarge, StructuredCall, estimate_tokens, structured_model
from graph.prompts import PLACEHOLDERS, as_data, data_values, render_prompt
from graph.state import InterviewSettings

EVALUATION_TAG = "interview_evaluation"
SYSTEM_PROMPT = "evaluation_system"
TASK_PROMPT = "evaluation"
MAX_ATTEMPTS = 2
"""Calls per run at most when the answer does not fit the schema."""
MAX_COMPLETION_TOKENS = 700
SEEDS: tuple[int, ...] = (7, 1009, 65537)
"""One judge run per seed on every answered question; the score is the runs' median, and runs
spreading by more than one point mark the question `disagreement` for a human."""
JUDGE_RUNS = len(SEEDS)
JUDGE_TEMPERATURE = 0.3
"""Low, so a run stays near the most likely judgement, yet not 0, so the runs are independent
samples: their spread is what `disagreement` reports."""
CONCURRENT_CALLS = 4 * JUDGE_RUNS
"""Calls in flight at once: four questions' runs together, so three runs do not triple the
evaluation's latency."""
PROMPTS = (SYSTEM_PROMPT, TASK_PROMPT)

logger = logging.getLogger(__name__)


class AnswerAssessment(BaseModel):
    """Your assessment of the candidate's answers to one interview question."""

    score: int = Field(
        ge=1,
        le=5,
        description="1-5 by the rubric: 5 specific, correct and deep; 3 relevant but generic; "
        "1 no real answer or admits not knowing.",
    )
    evidence: list[ProposedQuote] = Field(
        default_factory=list,
        max_length=4,
        description="1 to 3 exact excerpts of the candidate's answers that support the score; "
        "empty if the answers give nothing to assess.",
    )
    rationale: str = Field(
        description="Two or three sentences: why this score, referring to the quoted words."
    )
    admitted_gap: bool = Field(
        description="True if the candidate said they do not know or never used the subject."
    )
    communication: int = Field(
        ge=1, le=5, description="Clarity and structure of the answers, 1-5 (not correctness)."
    )


def render_evaluation(
    question: QuestionTranscript, settings: InterviewSettings
) -> list[BaseMessage]:
    """The messages of the call for `question`: the rubric, then the question and answers."""
    follow_ups = "\n".join(f"- {f}" for f in question.follow_ups) or "(none)"
    answers = "\n\n".join(
        f"[turn {a.turn}] "
        + ("answer to the question" if a.follow_up == 0 else f"answer to follow-up {a.follow_up}")
        + ":\n"
        + as_data(a.text, PLACEHOLDERS["last_answer"])
        for a in question.substantive
    )
    values = data_values(
        {
            "stage": question.stage,
            "number": str(question.number),
            "job_position": settings.job_position,
            "skill": question.skill or "(not a technical question)",
            "question": question.question,
            "follow_ups": follow_ups,
            "answers": answers,
        }
    )
    return [
        SystemMessage(render_prompt(SYSTEM_PROMPT, values)),
        HumanMessage(render_prompt(TASK_PROMPT, values)),
    ]


def _usage_of(raw: Any) -> tuple[int, int]:
    usage = raw.usage_metadata if isinstance(raw, AIMessage) else None
    if not usage:
        return 0, 0
    return int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))


async def propose(
    question: QuestionTranscript,
    settings: InterviewSettings,
    context: Context,
    usage: Usage,
    seed: int | None = None,
) -> Proposal | None:
    """One judge run's proposal for one answered question (sampled with `seed`), or None if
    it never fit the schema."""
    messages = render_evaluation(question, settings)
    if estimate_tokens(messages) + MAX_COMPLETION_TOKENS > context.context_window:
        raise PromptTooLarge(f"question {question.number}'s evaluation prompt is too large")
    call = StructuredCall(
        AnswerAssessment,
        MAX_COMPLETION_TOKENS,
        retries=True,
        temperature=JUDGE_TEMPERATURE if seed is not None else 0.0,
        seed=seed,
    )
    structured = structured_model(context, call).with_config(
        tags=[EVALUATION_TAG, TAG_NOSTREAM],
        run_name="assess_answer",
        metadata={"question": question.number, "seed": seed},
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result: Any = await structured.ainvoke(messages)
        prompt_tokens, completion_tokens = _usage_of(result.get("raw"))
        usage.calls += 1
        usage.prompt_tokens += prompt_tokens
        usage.completion_tokens += completion_tokens
        parsed = result.get("parsed")
        if isinstance(parsed, AnswerAssessment):
            return Proposal(
                number=question.number,
                score=parsed.score,
                quotes=parsed.evidence,
                rationale=parsed.rationale,
                admitted_gap=parsed.admitted_gap,
                communication=parsed.communication,
                runs=[parsed.score],
            )
        logger.warning(
            "evaluation of question %s: answer %d/%d did not fit the schema: %s",
            question.number,
            attempt,
            MAX_ATTEMPTS,
            result.get("parsing_error"),
        )
    return None


def combine(number: int, runs: list[Proposal | None]) -> Proposal | None:
    """One proposal from the judge's runs on a question: the median score, with the quotes and
    rationale of a run that gave it; a gap when most runs saw one; every run's score kept."""
    done = [r for r in runs if r is not None and r.score is not None]
    if not done:
        return None
    scores = [r.score for r in done if r.score is not None]
    median = sorted(scores)[(len(scores) - 1) // 2]
    chosen = next(r for r in done if r.score == median)
    voices = [r.communication for r in done if r.communication is not None]
    return chosen.model_copy(
        update={
            "number": number,
            "admitted_gap": sum(r.admitted_gap for r in done) * 2 > len(done),
            "communication": sorted(voices)[(len(voices) - 1) // 2] if voices else None,
            "runs": scores,
        }
    )


async def propose_all(
    questions: list[QuestionTranscript], settings: InterviewSettings, context: Context
) -> tuple[dict[int, Proposal | None], Usage]:
    """Proposals for every answered question, each the combination of `JUDGE_RUNS` runs with
    different seeds (run concurrently, a few questions at a time), and their token usage."""
    usage = Usage()
    gate = asyncio.Semaphore(CONCURRENT_CALLS)

    async def run(question: QuestionTranscript, seed: int) -> Proposal | None:
        async with gate:
            return await propose(question, settings, context, usage, seed)

    async def one(question: QuestionTranscript) -> Proposal | None:
        runs = await asyncio.gather(*(run(question, seed) for seed in SEEDS))
        return combine(question.number, list(runs))

    answered = [q for q in questions if q.answered]
    results = await asyncio.gather(*(one(q) for q in answered))
    return {q.number: p for q, p in zip(answered, results, strict=True)}, usage
