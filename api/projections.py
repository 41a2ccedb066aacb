"""State projections: what the API shows of an interview state (progress, transcript, events).

Every reader (status, history, `/sessions`, the SSE `state` event, saved files) goes through
these functions, so no two of them can describe the same state differently.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from api.sessions.base import Progress
from graph.events import StateEvent
from graph.state import LABEL_KEY, InterviewSettings, State


def label_of(message: BaseMessage) -> dict[str, Any] | None:
    """The message's place in the interview plan (see graph.state.LABEL_KEY), if it has one."""
    label = message.additional_kwargs.get(LABEL_KEY)
    return dict(label) if isinstance(label, dict) else None


def history_of(state: State, labelled: bool = False) -> list[dict[str, Any]]:
    """The transcript as the seed's user/assistant list (with each message's label if asked)."""
    history: list[dict[str, Any]] = []
    for message in state.messages:
        if isinstance(message, AIMessage):
            item: dict[str, Any] = {"role": "assistant", "content": str(message.content)}
        elif isinstance(message, HumanMessage):
            item = {"role": "user", "content": str(message.content)}
        else:
            continue
        if labelled:
            item["label"] = label_of(message)
        history.append(item)
    return history


def progress_of(state: State | None, settings: InterviewSettings) -> Progress:
    if state is None:
        return Progress(
            started=False,
            active=False,
            stage="created",
            questions_asked=0,
            total_expected_questions=settings.total_expected_questions,
            cheat_attempts=0,
            turns=0,
        )
    return Progress(
        started=True,
        active=state.active,
        stage=state.stage,
        questions_asked=state.questions_asked,
        total_expected_questions=state.total_expected_questions,
        cheat_attempts=state.potential_cheat_attempts,
        turns=state.turns,
    )


def state_event(state: State) -> StateEvent:
    return {
        "event": "state",
        "stage": state.stage,
        "questions_asked": state.questions_asked,
        "total_expected_questions": state.total_expected_questions,
        "active": state.active,
        "potential_cheat_attempts": state.potential_cheat_attempts,
        # Process requests (ending early, feedback, score) and passes: recorded, never cheating.
        "process_events": len(state.process_events),
    }
