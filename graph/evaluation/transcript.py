"""The finished interview, grouped by main question: what was asked and what the candidate said.

Grouping reads only the labels the interview graph puts on its messages (graph.state.LABEL_KEY):
a `question` opens main question N, `follow_up`s with number N are its cross-questions, and
candidate `answer`s with number N (in a main stage of graph/stages.py) are the candidate's
words on it. A message the screening labelled `flagged` (an integrity signal) or `process` (a
request such as ending early) is not a reply to the question and is kept out; one labelled
`empty` or `passed` is a non-answer of that kind, and every other answer is classified by
graph.evaluation.understanding (a gap, off-topic, one word, or an answer to score). Questions
of the plan that were never asked (the interview ended first) are listed too, as never asked.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, Field

from graph import stages
from graph.evaluation.understanding import NonAnswer, is_gap, non_answer, stems, topic_stems
from graph.nodes import next_main_question, skill_for
from graph.state import LABEL_KEY, MainStage, State
from graph.text import last_paragraph


class Answer(BaseModel):
    """One candidate message on a main question."""

    turn: int = Field(description="Index in the session's history (0-based).")
    text: str
    follow_up: int = Field(description="0: the answer to the question; k: to follow-up k.")
    gap: bool = Field(
        description="The message admits not knowing (graph.evaluation.understanding.is_gap)."
    )
    non_answer: NonAnswer | None = Field(
        default=None,
        description="The kind of non-answer the message is (gap, pass, off-topic, one word, "
        "blank); None for an answer scored on its content.",
    )


class QuestionTranscript(BaseModel):
    """A main question, its follow-ups and the candidate's answers on it."""

    number: int
    stage: MainStage
    skill: str | None = None
    question: str
    asked: bool = True
    follow_ups: list[str] = Field(default_factory=list)
    answers: list[Answer] = Field(default_factory=list)
    passed: bool = False
    """The candidate passed on the question (the screening's `passed` label)."""

    @property
    def topic(self) -> frozenset[str]:
        """The stems that make a sentence about this question (understanding.topic_stems)."""
        return topic_stems(self.question, self.skill, self.stage)

    @property
    def own(self) -> frozenset[str]:
        """The stems of the question's own words (no skill or stage vocabulary)."""
        return frozenset(stems(self.question)) & self.topic

    @property
    def substantive(self) -> list[Answer]:
        """The answers scored on their content (not a non-answer)."""
        return [a for a in self.answers if a.non_answer is None]

    @property
    def answered(self) -> bool:
        """Some answer on it says something to score on content."""
        return bool(self.substantive)

    @property
    def replied(self) -> bool:
        """The candidate replied to it, with an answer or a non-answer: it was reached."""
        return bool(self.answers)

    def answer(self, turn: int, text: str, follow_up: int, kind: NonAnswer | None = None) -> None:
        """Add the candidate's message `text` on this question, classified."""
        self.answers.append(
            Answer(
                turn=turn,
                text=text,
                follow_up=follow_up,
                gap=is_gap(text),
                non_answer=kind or non_answer(text, self.topic),
            )
        )


def _text(message: BaseMessage) -> str:
    content: Any = message.content
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)


def _label(message: BaseMessage) -> dict[str, Any]:
    label = message.additional_kwargs.get(LABEL_KEY)
    return label if isinstance(label, dict) else {}


def collect_questions(state: State) -> list[QuestionTranscript]:
    """Every main question of the plan in order, with what was said on it."""
    asked: dict[int, QuestionTranscript] = {}
    turn = -1
    for message in state.messages:
        if not isinstance(message, AIMessage | HumanMessage):
            continue
        turn += 1  # the message's index in history_of(state)
        label = _label(message)
        number = label.get("number")
        stage = label.get("stage")
        if not isinstance(number, int) or number < 1:
            continue
        if not isinstance(stage, str) or not stages.is_main(stage):
            continue
        kind = label.get("kind")
        if isinstance(message, AIMessage) and kind == "question":
            asked[number] = QuestionTranscript(
                number=number,
                stage=stage,
                skill=label.get("skill") or None,
                question=last_paragraph(_text(message)),
            )
        elif isinstance(message, AIMessage) and kind == "follow_up" and number in asked:
            asked[number].follow_ups.append(last_paragraph(_text(message)))
        elif isinstance(message, HumanMessage) and kind == "answer" and number in asked:
            if label.get("flagged") or label.get("process"):
                continue
            question = asked[number]
            screened: NonAnswer | None = (
                "pass" if label.get("passed") else "blank" if label.get("empty") else None
            )
            question.passed = question.passed or screened == "pass"
            question.answer(turn, _text(message), int(label.get("follow_ups") or 0), screened)
    total = max(state.total_expected_questions, max(asked, default=0))
    return [asked.get(n) or _never_asked(state, n) for n in range(1, total + 1)]


def _never_asked(state: State, number: int) -> QuestionTranscript:
    # The plan's own functions say what question `number` would have been.
    try:
        stage, index, _ = next_main_question(dataclasses.replace(state, questions_asked=number - 1))
    except ValueError:
        stage, index = stages.main_names()[-1], -1
    row = stages.stage(stage)
    skill = skill_for(state, index) if row.topic == "skill" else ""
    given = row.given.questions(state.settings) if row.given else []
    question = given[index] if 0 <= index < len(given) else ""
    return QuestionTranscript(
        number=number,
        stage=stage,
        skill=skill or None,
        question=question or f"({stage} question {index + 1}, never asked)",
        asked=False,
    )
