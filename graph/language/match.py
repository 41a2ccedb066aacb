"""Finding a term in a text the way a reader would: whole words, plural or not, any case,
identifiers whole ("requests.get" is one word, and also mentions "requests")."""

from __future__ import annotations

import re
from functools import lru_cache

from graph.language.words import STOPWORDS, TOKEN_RE, stem


@lru_cache(maxsize=4096)
def _term(term: str) -> tuple[tuple[str, ...], bool]:
    """A term's word stems, and whether it is made of everyday words only."""
    words = TOKEN_RE.findall(term.replace("’", "'"))
    everyday = bool(words) and all(w.lower() in STOPWORDS for w in words)
    return tuple(stem(w) for w in words), everyday


class _Index:
    """A text's words, read once: each word's stem and span, and where each stem (or part of a
    compound word: "requests.get" has "request" and "get") occurs."""

    def __init__(self, text: str) -> None:
        self.stems: list[str] = []
        self.spans: list[tuple[int, int]] = []
        self.at: dict[str, list[int]] = {}
        self.parts: dict[str, list[int]] = {}
        for index, match in enumerate(TOKEN_RE.finditer(text.replace("’", "'"))):
            word = match.group(0)
            key = stem(word)
            self.stems.append(key)
            self.spans.append((match.start(), match.end()))
            self.at.setdefault(key, []).append(index)
            pieces = re.split(r"[._/\-']", word)
            if len(pieces) > 1:
                for piece in pieces:
                    if piece:
                        self.parts.setdefault(stem(piece), []).append(index)


@lru_cache(maxsize=512)
def _index(text: str) -> _Index:
    return _Index(text)


def find_term(text: str, term: str) -> tuple[int, int] | None:
    """Where `term` occurs in `text` as whole words (start, end), or None.

    A term made of everyday words only ("this", "where") never matches: it would make any
    sentence look on topic. A term with no word characters ("==", "===") matches as written.
    """
    wanted, everyday = _term(term)
    if not wanted:
        stripped = term.strip()
        at = text.find(stripped) if stripped else -1
        return (at, at + len(stripped)) if at >= 0 else None
    if everyday:
        return None
    index = _index(text)
    size = len(wanted)
    for start in index.at.get(wanted[0], ()):
        if index.stems[start : start + size] == list(wanted):
            return index.spans[start][0], index.spans[start + size - 1][1]
    if size == 1 and wanted[0] in index.parts:
        return index.spans[index.parts[wanted[0]][0]]
    return None


def term_stems(term: str) -> tuple[str, ...]:
    """The stems of a term's words ("hot spots" -> ("hot", "spot"))."""
    return _term(term)[0]


def mentions(text: str, term: str) -> bool:
    """Whether `text` mentions `term` (see `find_term`)."""
    return find_term(text, term) is not None
