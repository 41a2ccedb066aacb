"""Finding a term in a text the way a reader would: whole words, plural or not, any case,
identifiers whole ("requests.get" is one word, and also mentions "requests")."""

from __future__ import annotations

import re
from functools import cache

from graph.language.words import STOPWORDS, TOKEN_RE, stem


@cache
def _term_stems(term: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in TOKEN_RE.findall(term.replace("’", "'")))


def _indexed(text: str) -> list[tuple[str, int, int, frozenset[str]]]:
    """Each word of `text`: its stem, its span, and the stems of its parts ("requests.get" has
    "request" and "get")."""
    words = []
    for match in TOKEN_RE.finditer(text.replace("’", "'")):
        word = match.group(0)
        parts = re.split(r"[._/\-']", word)
        words.append(
            (
                stem(word),
                match.start(),
                match.end(),
                frozenset(stem(p) for p in parts if p) if len(parts) > 1 else frozenset(),
            )
        )
    return words


def find_term(text: str, term: str) -> tuple[int, int] | None:
    """Where `term` occurs in `text` as whole words (start, end), or None.

    A term made of everyday words only ("this", "where") never matches: it would make any
    sentence look on topic. A term with no word characters ("==", "===") matches as written.
    """
    wanted = _term_stems(term)
    if not wanted:
        stripped = term.strip()
        at = text.find(stripped) if stripped else -1
        return (at, at + len(stripped)) if at >= 0 else None
    if all(w in STOPWORDS for w in (t.lower() for t in TOKEN_RE.findall(term))):
        return None
    words = _indexed(text)
    size = len(wanted)
    for index in range(len(words) - size + 1):
        window = words[index : index + size]
        if all(w[0] == s for w, s in zip(window, wanted, strict=True)):
            return window[0][1], window[-1][2]
        if size == 1 and wanted[0] in window[0][3]:
            return window[0][1], window[0][2]
    return None


def mentions(text: str, term: str) -> bool:
    """Whether `text` mentions `term` (see `find_term`)."""
    return find_term(text, term) is not None
