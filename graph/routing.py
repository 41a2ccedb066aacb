"""Pure routing: where the interview goes next, decided by code from the state alone.

What a stage does after an answer, and which node asks the next main question, come from the
stage table (graph/stages.py).
"""

from __future__ import annotations

from typing import Literal

from graph import stages
from graph.stages import QuestionNode
from graph.state import State


def _next_main_or_close(state: State) -> Literal[QuestionNode, "close_interview"]:
    if state.questions_asked < state.total_expected_questions:
        return stages.question_node(state)
    return "close_interview"


def route_input(state: State) -> Literal["run_admin_command", "detect_cheating"]:
    """Admin commands bypass the candidate path entirely."""
    if state.inbox is not None and state.inbox.type == "system":
        return "run_admin_command"
    return "detect_cheating"


def route_after_admin(state: State) -> Literal["close_interview", "wait_for_candidate"]:
    """Only `end_interview` moves the interview; other commands just answer."""
    return "close_interview" if state.stage == "closing" else "wait_for_candidate"


def route_after_screening(
    state: State,
) -> Literal[
    "warn_candidate",
    "answer_process_request",
    "nudge_candidate",
    "record_name",
    "ask_personal_question",
    "decide_follow_up",
    QuestionNode,
    "close_interview",
]:
    """After a candidate message: a flagged, empty or process message changes nothing; an answer
    or a pass moves the plan on."""
    if state.screening == "integrity" or state.flagged:
        return "warn_candidate"
    if state.screening == "empty":
        return "nudge_candidate"
    if state.screening == "process":
        return "answer_process_request"
    if state.stage == "welcome":
        return "record_name"
    if state.stage == "personal" and state.personal_asked < state.personal_planned:
        return "ask_personal_question"
    if stages.follow_up_rule(state.stage) != "none":
        return "decide_follow_up"
    return _next_main_or_close(state)


def route_after_decision(
    state: State,
) -> Literal["ask_follow_up", "redirect_candidate", QuestionNode, "close_interview"]:
    """Follow up on the answer, bring it back to the question, or move on."""
    if state.last_decision is not None and state.last_decision.action == "follow_up":
        return "ask_follow_up"
    if state.last_decision is not None and state.last_decision.action == "redirect":
        return "redirect_candidate"
    return _next_main_or_close(state)
