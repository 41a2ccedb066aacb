"""The end-of-interview marker: what it is, and every way to find, remove or disarm it.

Only the code may end an interview (the closing node appends `END_MARKER`); any marker the LLM
writes or a candidate's quoted words carry is removed or disarmed here, in whatever case, spacing,
emphasis or disguise.
"""

from __future__ import annotations

import re
import unicodedata

END_MARKER = "End of interview."

# What may stand between the marker's words and still read as the marker: spaces of any kind,
# line breaks, Markdown emphasis and dashes ("End **of** interview" renders as the marker).
_JOIN = r"[\s*_~`\-\u2010-\u2015]+"
_MARKER_RE = re.compile(rf"\s*end{_JOIN}of{_JOIN}interview\.?")


def _any_prefix(parts: list[str]) -> str:
    """A pattern for any non-empty prefix of the sequence `parts`: `e(?:n(?:d)?)?`."""
    pattern = ""
    for part in reversed(parts[1:]):
        pattern = f"(?:{part}{pattern})?"
    return parts[0] + pattern


_PARTIAL = _any_prefix(["e", "n", "d", _JOIN, "o", "f", _JOIN, *"intervie"])
# The longest tail that, with more text, could still become a marker once the markers inside
# it are removed: whitespace, then a run of marker beginnings ("end of end of inter").
_HOLD_RE = re.compile(rf"(?:\s*(?:{_PARTIAL})+|\s+)\Z")


def _fold(text: str) -> str:
    """`text` for matching: case- and width-folded, one character for one (same indices)."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        folded = unicodedata.normalize("NFKC", char).casefold()
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def _drop_invisible(text: str) -> str:
    # Zero-width and other format characters (ZWSP, ZWJ, soft hyphen, bidi controls) would
    # split the marker for the guard yet show it whole to the reader.
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def remove_markers(text: str) -> str:
    """`text` without any "End of interview", however nested, spaced, cased or disguised.

    A removal can join the text around it into a new marker ("End of End of interview
    interview"), so removal repeats until none is left.
    """
    return _remove(_drop_invisible(text))[0]


def _remove(text: str) -> tuple[str, bool]:
    """`text` without markers, and whether one was cut from its very end without its full stop."""
    at_end = False
    while match := _MARKER_RE.search(_fold(text)):
        at_end = match.end() == len(text) and not text.endswith(".")
        text = text[: match.start()] + text[match.end() :]
    return text, at_end


class MarkerGuard:
    """Drops any "End of interview" the LLM writes, while streaming.

    Only the code may end an interview: the closing node appends the marker itself, and clients
    (the Streamlit app) treat the marker as the end, so a stray one from the LLM must never pass,
    in whatever chunks it arrives. Text that could still grow into a marker (including the
    beginnings of markers nested inside each other) is held back until it cannot.
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._cut_at_end = False
        """A marker was just cut from the end: its full stop may open the next chunk."""

    def feed(self, text: str) -> str:
        text = _drop_invisible(text)
        if not text:
            return ""
        if self._cut_at_end:
            text = text.removeprefix(".")
            self._cut_at_end = False
        cleaned, self._cut_at_end = _remove(self._buffer + text)
        hold = _HOLD_RE.search(_fold(cleaned))
        cut = hold.start() if hold else len(cleaned)
        self._buffer = cleaned[cut:]
        return cleaned[:cut]

    def flush(self) -> str:
        out, self._buffer = remove_markers(self._buffer), ""
        return out


def has_marker(text: str) -> bool:
    """Whether `text` holds an end-of-interview marker in any disguise."""
    return bool(_MARKER_RE.search(_fold(_drop_invisible(text))))


def scrub_markers(text: str) -> str:
    """`text` with every marker disarmed as "end of the interview" (quoted words keep their
    meaning, but can no longer end an interview)."""
    text = _drop_invisible(text)
    while match := _MARKER_RE.search(_fold(text)):
        found = text[match.start() : match.end()]
        lead = found[: len(found) - len(found.lstrip())]
        stop = "." if found.endswith(".") else ""
        text = text[: match.start()] + lead + "end of the interview" + stop + text[match.end() :]
    return text
