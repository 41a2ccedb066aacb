"""The follow-up policy: after a main answer, probe, clarify, redirect or move on.

Each stage's row (graph/stages.py) says what its answers get: cross-questioning (technical), a
redirect when off topic and nothing more (behavioral), or nothing (the plan moves on).

The rules read the answer, not only its length: an off-topic answer of any length is brought
back to the question once, a short on-topic answer gets a clarifying follow-up, an admitted gap
moves on (the next reply reassures), a pass moves on. With `INTERVIEWER_FOLLOW_UP=llm` an LLM
judges instead, through one structured-output call tagged so that its tokens never reach a
stream; if it fails or takes longer than `follow_up_timeout`, the rules decide. Either way the
code keeps the limits, and the decision with its reason is kept in the state.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.runtime import Runtime

from graph import stages
from graph.context import Context
from graph.language import TERSE_WORDS, content_words, is_gap, message_text
from graph.language.words import everyday_stems, tech_stems, work_stems
from graph.skills import skill_vocabulary
from graph.state import FollowUpDecision, FollowUpJudgement, State
from graph.tasks import AnswerKind, FollowUpKind, ReplyTask

logger = logging.getLogger(__name__)

SHORT_ANSWER_WORDS = TERSE_WORDS
"""Below this many words an on-topic answer is short: it gets a clarifying follow-up."""
BRIEF_FOLLOW_UP_WORDS = 25
"""A follow-up answered in fewer words than this ends the probing on that question."""
DECISION_PROMPT = "follow_up_decision"


def last_answer(state: State) -> str:
    """The candidate's latest message (what the decision reads)."""
    for message in reversed(state.messages):
        if message.type == "human":
            return message_text(message)
    return ""


def topic_of(state: State) -> set[str]:
    """Content stems that make an answer on topic for the current question.

    An answer on a skill needs the question's, the skill's or technical words; an answer about
    experience (personal, behavioral) may also be about work in general: teams, deadlines,
    customers.
    """
    topic = content_words(state.current_question) | content_words(state.main_question)
    if stages.topic_of(state.stage) == "skill":
        return (
            topic | content_words(state.current_skill) | set(skill_vocabulary(state.current_skill))
        )
    return topic | work_stems()


def is_off_topic(state: State, answer: str) -> bool:
    """A long enough answer with nothing in common with the question (short ones are asked to
    clarify instead: "Poetry with lock files." may be exactly on point)."""
    if len(answer.split()) < SHORT_ANSWER_WORDS or is_gap(answer):
        return False
    common = everyday_stems()
    words = content_words(answer) - common
    return not (words & (topic_of(state) - common) or words & tech_stems())


def read_answer(state: State) -> AnswerKind:
    """What the latest candidate message was, for the tone of the next reply."""
    if state.screening == "pass":
        return "passed"
    answer = last_answer(state).strip()
    if not answer:
        return "none"
    if is_gap(answer):
        return "gap"
    words = answer.split()
    if stages.topic_of(state.stage) is not None and is_off_topic(state, answer):
        return "off_topic"
    if len(words) < SHORT_ANSWER_WORDS:
        return "short"
    return "answer"


def choose_follow_up(state: State) -> FollowUpDecision:
    """The follow-up rules, in code: no LLM round trip before the reply starts."""
    answer = last_answer(state).strip()
    words = answer.split()
    limit = state.max_follow_ups
    if state.screening == "pass":
        return FollowUpDecision(action="move_on", reason="the candidate passed on the question")
    if not words:
        return FollowUpDecision(action="move_on", reason="empty answer")
    if is_gap(answer):
        return FollowUpDecision(action="move_on", reason="knowledge gap admitted: reassure")
    if is_off_topic(state, answer):
        if state.redirects == 0:
            return FollowUpDecision(
                action="redirect",
                reason=f"off-topic answer ({len(words)} words, nothing on the question)",
            )
        return FollowUpDecision(action="move_on", reason="off-topic again after a redirect")
    if stages.follow_up_rule(state.stage) != "cross_question":
        # Only cross-questioned stages are probed; the others were heard, and that's enough.
        return FollowUpDecision(action="move_on", reason=f"{state.stage} answer heard")
    if state.follow_ups >= limit:
        return FollowUpDecision(action="move_on", reason=f"follow-up limit reached ({limit})")
    if len(words) < SHORT_ANSWER_WORDS:
        if state.follow_ups == 0:
            return FollowUpDecision(
                action="follow_up",
                kind="clarify",
                reason=f"short on-topic answer ({len(words)} words): ask what exactly",
            )
        return FollowUpDecision(action="move_on", reason="follow-up answered briefly")
    technical = (
        tech_stems() | skill_vocabulary(state.current_skill) | content_words(state.current_skill)
    )
    if not content_words(answer) & technical:
        # "It depends on the context" names nothing technical: ask what exactly, once.
        if state.follow_ups == 0:
            return FollowUpDecision(
                action="follow_up", kind="clarify", reason="vague answer (no technical term)"
            )
        return FollowUpDecision(action="move_on", reason="still vague after a clarifying question")
    if state.follow_ups >= 1 and len(words) < BRIEF_FOLLOW_UP_WORDS:
        return FollowUpDecision(
            action="move_on", reason="follow-up answered briefly; enough depth on this question"
        )
    kind: FollowUpKind
    if state.follow_ups == 0:
        kind = "deeper" if len(words) >= 40 else "explain"
    else:
        kind = "edge_case" if (state.seed + state.questions_asked) % 2 else "trade_off"
    return FollowUpDecision(
        action="follow_up", kind=kind, reason=f"substantive answer ({len(words)} words)"
    )


def enforce_limits(state: State, decision: FollowUpDecision) -> FollowUpDecision:
    """The code's limits over whoever decided: follow-ups per question, one redirect."""
    if decision.action == "follow_up" and stages.follow_up_rule(state.stage) != "cross_question":
        return decision.model_copy(
            update={"action": "move_on", "kind": None, "reason": f"{decision.reason} (not probed)"}
        )
    if decision.action == "follow_up" and state.follow_ups >= state.max_follow_ups:
        return decision.model_copy(
            update={
                "action": "move_on",
                "kind": None,
                "reason": f"{decision.reason} (but the follow-up limit is reached)",
            }
        )
    if decision.action == "redirect" and state.redirects >= 1:
        return decision.model_copy(
            update={
                "action": "move_on",
                "kind": None,
                "reason": f"{decision.reason} (redirected once already)",
            }
        )
    if decision.action == "follow_up" and decision.kind is None:
        return decision.model_copy(update={"kind": "explain"})
    if decision.action != "follow_up" and decision.kind is not None:
        return decision.model_copy(update={"kind": None})
    return decision


def decision_messages(state: State, context: Context) -> list[BaseMessage]:
    """The LLM judge's prompt: the question, the answer and the follow-ups so far, as data."""
    from graph.prompts import render_prompt, task_values

    task = ReplyTask(
        kind="follow_up",
        skill=state.current_skill,
        question=state.main_question,
        last_answer=last_answer(state),
        number=state.follow_ups,
        of=state.max_follow_ups,
    )
    text = render_prompt(DECISION_PROMPT, task_values(task), context.prompts)
    return [HumanMessage(text)]


async def judge_follow_up(state: State, runtime: Runtime[Context]) -> FollowUpDecision:
    """The decision for this answer: the rules, or the LLM judge with the rules as fallback."""
    rules = choose_follow_up(state)
    context = runtime.context
    # A pass or an empty answer leave nothing to judge; only cross-questioned stages are probed.
    if (
        context.follow_up != "llm"
        or stages.follow_up_rule(state.stage) != "cross_question"
        or state.screening == "pass"
        or not last_answer(state).strip()
    ):
        return rules
    from graph.llm import judge_model

    model = judge_model(context)
    if model is None:
        return rules.model_copy(update={"reason": f"{rules.reason} (no LLM judge offline)"})
    try:
        raw: Any = await asyncio.wait_for(
            model.ainvoke(decision_messages(state, context)), timeout=context.follow_up_timeout
        )
        parsed = raw.get("parsed") if isinstance(raw, dict) else raw
        if parsed is None:
            raise ValueError(f"unparseable judgement: {raw.get('parsing_error')!r}")
        judgement = FollowUpJudgement.model_validate(
            parsed.model_dump() if hasattr(parsed, "model_dump") else parsed
        )
    except TimeoutError:
        reason = f"LLM judge timed out after {context.follow_up_timeout:g}s; rules: {rules.reason}"
        return rules.model_copy(update={"reason": reason})
    except Exception as exc:  # any failure of the judge falls back; the turn must go on
        logger.warning("follow-up judge failed, the rules decide: %s", exc)
        reason = f"LLM judge failed ({type(exc).__name__}); rules: {rules.reason}"
        return rules.model_copy(update={"reason": reason})
    decision = FollowUpDecision(**judgement.model_dump(), source="llm")
    return enforce_limits(state, decision)
