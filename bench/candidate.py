"""The benchmark's simulated candidate: answers the interviewer's last question, like a person.

A copy of the logic in ``tests/support/candidate.py`` (the bench must not import the tests): the
answer is built from the question's words, every seventh answer admits a knowledge gap, and a
question about the candidate's name gets the name. Answers are about 60 words, so a technical
answer is long enough for the interviewer to cross-question it.
"""

from __future__ import annotations

import re

END_MARKER = "End of interview."
"""What the last reply of an interview ends with (the interviewer's closing line)."""

CANDIDATE_NAME = "Ana Lopez"


def last_paragraph(text: str) -> str:
    """The question of a reply: its last paragraph, or the last one with a question mark."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return text.strip()
    if "?" not in paragraphs[-1] and any("?" in p for p in paragraphs):
        return next(p for p in reversed(paragraphs) if "?" in p)
    return paragraphs[-1]


def reply_to(interviewer_text: str, turn: int, name: str = CANDIDATE_NAME) -> str:
    """A plausible answer to the interviewer's last question (``turn`` counts from 1)."""
    question = last_paragraph(interviewer_text).lower()
    if "your name" in question or "call you" in question:
        return f"My name is {name}."
    if turn % 7 == 6:
        return "I don't know, to be honest."
    topic = " ".join(re.findall(r"[a-z]{5,}", question)[:4]) or "the system"
    return (
        f"Good question. When I worked on {topic} in production, I started by measuring the "
        f"problem, then changed one thing at a time: we added caching, reworked the queries and "
        f"wrote tests around the {topic} so regressions would show up in CI. It cut latency "
        f"roughly in half and the team kept the approach afterwards."
    )


def is_final(text: str) -> bool:
    """Whether an interviewer reply closes the interview."""
    return text.rstrip().endswith(END_MARKER)
