"""Text helpers the nodes share: the question of a reply.

What a message *is* (blank, gap, pass, name, markers, message text) lives in graph.language; the
names below are re-exported from there for the callers that read them here.
"""

from __future__ import annotations

import re

from graph.language.kinds import is_blank, is_gap, message_text
from graph.language.markers import END_MARKER, MarkerGuard, remove_markers
from graph.language.names import extract_name, first_name
from graph.language.words import content_words

__all__ = [
    "END_MARKER",
    "MarkerGuard",
    "content_words",
    "extract_name",
    "first_name",
    "is_blank",
    "is_knowledge_gap",
    "last_paragraph",
    "message_text",
    "remove_markers",
]

is_knowledge_gap = is_gap
"""The older name of `graph.language.is_gap`."""


def last_paragraph(text: str) -> str:
    """The question of a reply: its last paragraph (prompts put the question there)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return text.strip()
    if "?" not in paragraphs[-1] and any("?" in p for p in paragraphs):
        return next(p for p in reversed(paragraphs) if "?" in p)
    return paragraphs[-1]
