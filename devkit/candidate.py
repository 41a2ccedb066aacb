"""The simulated candidate of the benchmark and the graph tests: answers like a person would.

The answer is built from the question's words, every seventh answer admits a knowledge gap, and
a question about the candidate's name gets the name. Answers are about 60 words, so a technical
answer is long enough for the interviewer to cross-question it.
"""

from __future__ import annotations

import re

from graph.language import END_MARKER
from graph.text import last_paragraph

CANDIDATE_NAME = "Ana Lopez"


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
