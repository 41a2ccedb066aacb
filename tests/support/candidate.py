"""A simulated candidate: answers the way a real one would, from the question it was asked."""

from __future__ import annotations

import re

from graph.text import END_MARKER, last_paragraph


def reply_to(interviewer_text: str, turn: int, name: str = "Ana Lopez") -> str:
    """A plausible answer to the interviewer's last question."""
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
    return text.rstrip().endswith(END_MARKER)
