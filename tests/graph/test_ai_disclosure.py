"""The greeting says that Mia is an AI and that people at the hiring team decide (issue 20):
the welcome prompt asks for it, the offline interviewer says it, and the code adds it to any
greeting whose first paragraph does not (graph/disclosure.py). The API's greetings, offline and
through the real Groq client, are pinned in tests/api/test_api_rights.py."""

from __future__ import annotations

import pytest

from graph.disclosure import DISCLOSURE, DisclosureGuard, discloses
from graph.llm.offline.composers import load_question_bank
from graph.prompts import render_messages
from graph.tasks import ReplyTask


def _through(guard: DisclosureGuard, text: str, size: int = 3) -> str:
    pieces = [guard.feed(text[i : i + size]) for i in range(0, len(text), size)]
    return "".join(pieces) + guard.flush()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("I'm Mia, an AI interviewer; people at the hiring team make the decision.", True),
        ("I am an automated interviewer. The decision is made by the hiring team.", True),
        ("Hi, I'm Mia, and I'll be your interviewer today.", False),
        ("I'm Mia, an AI interviewer.", False),
        ("People at the hiring team make the decision.", False),
        ("I'm Mia, said the aim: people decide.", False),
    ],
)
def test_discloses_needs_both_an_ai_and_people_who_decide(text: str, says: bool) -> None:
    assert discloses(text) is says


def test_a_greeting_that_does_not_disclose_gets_the_sentence_before_its_question() -> None:
    greeting = "Hi Ana, I'm Mia, and I'll be your interviewer today.\n\nWhat draws you to the role?"
    out = _through(DisclosureGuard(), greeting)
    assert out == (
        f"Hi Ana, I'm Mia, and I'll be your interviewer today. {DISCLOSURE}\n\n"
        "What draws you to the role?"
    )


def test_a_greeting_that_discloses_passes_unchanged() -> None:
    greeting = (
        "Hi Ana, I'm Mia, an AI interviewer; people at the hiring team decide.\n\n"
        "What draws you to the role?"
    )
    assert _through(DisclosureGuard(), greeting) == greeting


def test_a_one_paragraph_greeting_gets_the_sentence_first() -> None:
    assert (
        _through(DisclosureGuard(), "What is your name?") == f"{DISCLOSURE}\n\nWhat is your name?"
    )


def test_only_the_first_paragraph_is_held_back() -> None:
    guard = DisclosureGuard()
    assert guard.feed("Hi Ana, I'm Mia.") == ""
    first = guard.feed("\n\nWhat")
    assert first.startswith("Hi Ana, I'm Mia. " + DISCLOSURE) and first.endswith("What")
    assert guard.feed(" draws you?") == " draws you?"
    assert guard.flush() == ""


def test_the_welcome_prompt_asks_the_llm_to_say_it() -> None:
    task = ReplyTask(kind="welcome", candidate_name="Ana", job_position="Data engineer")
    prompt = str(render_messages(task)[1].content)
    assert "AI interviewer" in prompt and "people at the hiring team make the decision" in prompt


def test_every_offline_greeting_discloses() -> None:
    for greeting in load_question_bank().greetings:
        assert discloses(greeting), greeting
