"""The AI disclosure: the greeting says plainly that Mia is an AI and that people decide.

The EU AI Act (Art. 50) asks that people be told at the first interaction that they are
dealing with an AI; NYC Local Law 144, Illinois HB 3773 and Colorado's law ask for notice before
an automated tool is used. Two layers: the welcome prompt asks the LLM to say it (and the
offline interviewer's greetings do), and `DisclosureGuard` checks the greeting's first
paragraph as it streams: when it does not say both things, the fixed `DISCLOSURE` sentence is
added at the end of that paragraph, before the question. So it is said in every mode, whatever
a model writes.
"""

from __future__ import annotations

import re

DISCLOSURE = (
    "Just so you know, I'm an AI interviewer: people at the hiring team review your answers "
    "and make the decision."
)

_AI = re.compile(r"\bA\.?I\b|artificial intelligence|\bautomated\b", re.IGNORECASE)
_PEOPLE = r"(?:people|humans?|persons?|hiring team|recruiters?|hiring managers?)"
_DECIDE = r"(?:decide|decides|decision|decisions)"
_PEOPLE_DECIDE = re.compile(
    rf"{_PEOPLE}\b.{{0,80}}\b{_DECIDE}|\b{_DECIDE}\b.{{0,80}}\b{_PEOPLE}",
    re.IGNORECASE | re.DOTALL,
)
_PARAGRAPH = re.compile(r"\n\s*\n")
HOLD_LIMIT = 800
"""A first paragraph longer than this is checked as it stands (a reply with no break)."""


def discloses(text: str) -> bool:
    """Whether `text` says that the interviewer is an AI and that people make the decision."""
    return bool(_AI.search(text)) and bool(_PEOPLE_DECIDE.search(text))


class DisclosureGuard:
    """Holds the greeting's first paragraph back until it is complete, then lets it through,
    with `DISCLOSURE` added when it does not disclose; everything after passes at once."""

    def __init__(self) -> None:
        self._held = ""
        self._done = False

    def feed(self, text: str) -> str:
        if self._done:
            return text
        self._held += text
        found = _PARAGRAPH.search(self._held)
        if found is None and len(self._held) < HOLD_LIMIT:
            return ""
        cut = found.start() if found else len(self._held)
        return self._release(self._held[:cut], self._held[cut:])

    def flush(self) -> str:
        if self._done:
            return ""
        # The whole reply was one paragraph: the question. The disclosure goes before it.
        held = self._held
        self._done = True
        self._held = ""
        if discloses(held):
            return held
        return f"{DISCLOSURE}\n\n{held.lstrip()}" if held.strip() else DISCLOSURE

    def _release(self, first: str, rest: str) -> str:
        self._done = True
        self._held = ""
        if discloses(first):
            return first + rest
        return f"{first.rstrip()} {DISCLOSURE}{rest}"
