"""The integrity signals as pure functions: measured against the thresholds, put into words,
summed up (graph/integrity.py), and the depth probe's phrase (graph/depth_probe.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from graph.depth_probe import choose_phrase
from graph.integrity import (
    SPOKEN_AT,
    AnswerSignals,
    ClientSignals,
    Thresholds,
    describe,
    measure,
    summarize,
)
from graph.state import CandidateInput, InterviewSettings, State

THRESHOLDS = Thresholds(pasted_share=0.6, fast_wpm=150, min_words=20)
WORDS_40 = " ".join(["index"] * 40)
ASKED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _state(limit: int | None = None) -> State:
    question = AIMessage("What would you index?", response_metadata={SPOKEN_AT: ASKED.isoformat()})
    settings = InterviewSettings(answer_time_limit_seconds=limit)
    return State(settings=settings, messages=[question], active=True, stage="technical")


def _measure(
    text: str = WORDS_40,
    after: float = 60,
    signals: dict[str, Any] | None = None,
    limit: int | None = None,
    screening: str = "answer",
) -> AnswerSignals:
    inbox = CandidateInput(
        message=text,
        received_at=(ASKED + timedelta(seconds=after)).isoformat(),
        signals=ClientSignals.model_validate(signals) if signals is not None else None,
    )
    return measure(_state(limit), inbox, THRESHOLDS, message_index=1, screening=screening)


def test_timing_and_words_per_minute_are_counted_from_the_question_s_end() -> None:
    signals = _measure(after=30)
    assert signals.seconds_to_answer == 30.0 and signals.words_per_minute == 80.0
    assert signals.flags == [] and signals.client is None and signals.pasted_share is None


def test_above_the_words_per_minute_threshold_is_implausibly_fast() -> None:
    assert "implausibly_fast" in _measure(after=15).flags  # 160 words a minute
    assert "implausibly_fast" not in _measure(after=16).flags  # 150


@pytest.mark.parametrize(("pasted", "flagged"), [(0.59, False), (0.6, True), (1.0, True)])
def test_the_pasted_share_threshold(pasted: float, flagged: bool) -> None:
    length = math.ceil(len(WORDS_40) * pasted)
    signals = {"keystrokes": len(WORDS_40) - length, "pastes": [{"length": length, "at_ms": 1}]}
    assert ("mostly_pasted" in _measure(signals=signals).flags) is flagged


def test_short_answers_and_non_answers_are_never_flagged() -> None:
    short = "an index on the keys"
    pasted = {"pastes": [{"length": len(short), "at_ms": 1}]}
    assert _measure(short, after=1, signals=pasted).flags == []
    flagged = _measure(after=1, signals={"pastes": [{"length": 300, "at_ms": 1}]}, screening="pass")
    assert flagged.flags == []


def test_a_long_answer_with_few_keystrokes_and_no_paste_is_inconsistent() -> None:
    signals = _measure(signals={"keystrokes": 10, "typing_ms": 3000})
    assert "inconsistent" in signals.flags
    assert "page saw only 10 keystrokes and 0 pasted characters" in describe(signals)


def test_page_times_longer_than_the_server_s_are_inconsistent_beyond_the_slack() -> None:
    typed = {"keystrokes": len(WORDS_40), "first_key_ms": 1000}
    assert _measure(after=60, signals=typed | {"typing_ms": 64_000}).inconsistencies == []
    late_clock = _measure(after=60, signals=typed | {"typing_ms": 70_000})
    assert "70 s of activity" in late_clock.inconsistencies[0]


def test_a_late_answer_is_labelled_with_how_late() -> None:
    signals = _measure(after=95, limit=60)
    assert signals.late and "late" in signals.flags and signals.time_limit_seconds == 60
    assert "late: 35 s past the 60 s limit" in describe(signals)
    assert not _measure(after=59, limit=60).late


def test_the_note_reads_as_the_issue_asks() -> None:
    pasted = {"pastes": [{"length": round(len(WORDS_40) * 0.9), "at_ms": 4000}], "keystrokes": 20}
    note = describe(_measure(after=6, signals=pasted))
    assert note.startswith("About 90% of this answer was pasted, 4 s after the question; ")
    assert note.endswith(".")


def test_the_summary_counts_real_answers_only() -> None:
    pasted = {"pastes": [{"length": len(WORDS_40), "at_ms": 1}]}
    answers = [_measure(signals=pasted) for _ in range(3)]
    answers += [_measure(signals={"keystrokes": len(WORDS_40)}) for _ in range(4)]
    answers.append(_measure(signals=pasted, screening="integrity"))
    assert summarize(answers).startswith("3 of 7 answers mostly pasted")
    assert summarize([]) == "No answers yet."


def test_the_probe_quotes_a_technical_part_of_the_answer_in_its_words() -> None:
    answer = (
        "In my last role I owned a Python service backed by PostgreSQL. I profiled the slow "
        "queries and added the missing composite indexes."
    )
    phrase = choose_phrase(answer)
    assert phrase in answer and 2 <= len(phrase.split()) <= 6
    assert choose_phrase("yes") == "yes"
