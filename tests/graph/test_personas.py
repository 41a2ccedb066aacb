"""Simulated candidates as a regression suite: the offline interviewer's quality thresholds.

`make quality` prints the same measurements as a table (tests/support/quality.py).
"""

from __future__ import annotations

import pytest

from graph.context import Context
from tests.support.personas import personas
from tests.support.quality import THRESHOLDS, ack_fits, gap_phrasings, run_persona, skeleton

PERSONAS = [p.key for p in personas()]


@pytest.mark.parametrize("key", PERSONAS)
async def test_persona_interview_meets_the_offline_thresholds(key: str) -> None:
    persona = next(p for p in personas() if p.key == key)
    report = await run_persona(persona, Context(llm="offline"))
    assert report.counts_ok, report.problems
    assert report.order_ok, report.problems
    assert report.repeats == 0
    assert report.max_skeleton <= THRESHOLDS["max_skeleton"], report.skeleton
    assert report.follow_ups_on_answer >= THRESHOLDS["follow_ups_on_answer"], report.problems
    assert report.acks_fit >= THRESHOLDS["acks_fit"], report.problems
    assert report.on_topic_redirects <= THRESHOLDS["on_topic_redirects"], report.problems
    assert report.off_topic_quotes <= THRESHOLDS["off_topic_quotes"], report.problems


def test_every_listed_gap_phrasing_is_recognised() -> None:
    recognised, listed, missed = gap_phrasings()
    assert listed >= 30
    assert recognised == listed, missed


def test_the_suite_covers_every_persona_the_issue_names() -> None:
    assert set(PERSONAS) >= {
        "strong",
        "weak",
        "terse",
        "rambling",
        "evasive",
        "cheater",
        "injector",
        "non_native",
    }


def test_skeleton_blanks_quotes_numbers_and_the_name() -> None:
    a = skeleton("You brought up 'GraphQL POSTs', Ana. What makes 2 of them slow?", "Ana")
    b = skeleton("You brought up 'S3', Ana. What makes 7 of them slow?", "Ana")
    assert a == b


@pytest.mark.parametrize(
    ("lead", "answer", "fits"),
    [
        ("Thanks, the point about 'read replicas' is useful.", "We used read replicas.", True),
        ("Thanks — I've noted what you said about 'Happy'.", "Happy to be here.", False),
        ("Thanks for explaining your thinking.", "Honestly, I don't know the levels.", False),
        ("No problem, let's keep going.", "Honestly, I don't know the levels.", True),
        ("Good point about 'sharding keys'.", "We used a cache.", False),
    ],
)
def test_acknowledgement_fit_is_judged_against_the_answer(
    lead: str, answer: str, fits: bool
) -> None:
    assert (ack_fits(lead, answer) is None) == fits
