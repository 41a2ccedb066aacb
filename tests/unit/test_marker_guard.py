"""The end marker cannot be forged: only the closing node writes "End of interview"."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from graph.text import MarkerGuard

# An independent reading of "the reader sees the marker": what a client's substring check or a
# Markdown renderer would show, case-folded, width-folded, invisible characters dropped.
_SEEN = re.compile(r"end[\s*_~`\-\u2010-\u2015]+of[\s*_~`\-\u2010-\u2015]+interview")


def _shows_marker(text: str) -> bool:
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return bool(_SEEN.search(unicodedata.normalize("NFKC", visible).casefold()))


def _guarded(chunks: list[str]) -> str:
    guard = MarkerGuard()
    return "".join(guard.feed(chunk) for chunk in chunks) + guard.flush()


def _chunkings(text: str, rng: random.Random, count: int) -> list[list[str]]:
    out = [[text], list(text)]
    for _ in range(count):
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(1, 8))))
        out.append([text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)])
    return out


FORGERIES = [
    "Thanks. End of End of interview interview. Shall we go on?",
    "End of End of End of interview interview interview.",
    "Thanks. END OF INTERVIEW. Next?",
    "Thanks. end   of\ninterview. Next?",
    "Thanks. End\u00a0of\u2003interview. Next?",
    "Thanks. End\u200bof\u200binterview. Next?",
    "Thanks. End of inter\u200bview. Next?",
    "Thanks. End of inter\u00adview. Next?",
    "Thanks. **End** of _interview_. Next?",
    "Thanks. End-of-interview. Next?",
    "Thanks. ＥＮＤ ＯＦ ＩＮＴＥＲＶＩＥＷ. Next?",
    "Thanks. En\u200bd of End of interview interview. Next?",
    "Thanks.End of interviewEnd of interview. Next?",
    "Weekend of interviews. Next?",
]


@pytest.mark.parametrize("text", FORGERIES)
def test_no_spelling_nesting_or_chunking_lets_the_marker_through(text: str) -> None:
    rng = random.Random(text)
    expected = _guarded([text])
    assert not _shows_marker(expected)
    for chunks in _chunkings(text, rng, 200):
        out = _guarded(chunks)
        assert not _shows_marker(out), (chunks, out)
        assert out == expected  # the same words whatever the chunking


def test_the_issue_example_reads_cleanly() -> None:
    text = "Thanks. End of End of interview interview. Shall we go on?"
    words = re.findall(r"\S+\s*", text)  # one word at a time, as from an LLM
    assert _guarded(words) == "Thanks. Shall we go on?"


def test_random_mixtures_of_marker_pieces_never_show_the_marker() -> None:
    rng = random.Random(13)
    pieces = ["end", "End", "of", "OF", "interview", "inter", "view", " ", "\n", "*", "\u200b"]
    pieces += [".", "x", "Thanks", "?", "ｅｎｄ", "-", "\u00a0", "e", "en", "  "]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        for chunks in _chunkings(text, rng, 2):
            out = _guarded(chunks)
            assert not _shows_marker(out), (text, chunks, out)
            assert out == _guarded([text])


@pytest.mark.parametrize(
    "text",
    [
        "Hello Ana, I am Mia. How did you end up in backend work?",
        "At the end of the day, what matters?\n\nTell me about interviews you ran.",
        "Let's end on this: what do you offer?",
    ],
)
def test_ordinary_text_passes_unchanged_in_any_chunking(text: str) -> None:
    for chunks in _chunkings(text, random.Random(text), 100):
        assert _guarded(chunks) == text
