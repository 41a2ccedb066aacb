"""Text helpers the nodes share: the end-marker guard, paragraphs, names, answer screening."""

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


def last_paragraph(text: str) -> str:
    """The question of a reply: its last paragraph (prompts put the question there)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return text.strip()
    if "?" not in paragraphs[-1] and any("?" in p for p in paragraphs):
        return next(p for p in reversed(paragraphs) if "?" in p)
    return paragraphs[-1]


_NAME_PATTERNS = (
    re.compile(
        r"\b(?:my name is|my name's|name's|i am|i'm|im|call me|this is|it's|it is)\s+"
        r"([^\W\d_][\w'\-]*(?:\s+[^\W\d_][\w'\-]*){0,2})",
        re.IGNORECASE,
    ),
)
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "not",
        "here",
        "ready",
        "fine",
        "good",
        "great",
        "happy",
        "excited",
        "very",
        "so",
        "really",
        "just",
        "looking",
        "interested",
        "glad",
        "well",
        "ok",
        "okay",
        "sure",
        "yes",
        "no",
        "thanks",
        "thank",
    ]
)
_NAME_ENDERS = frozenset(
    [
        "and",
        "but",
        "i",
        "im",
        "i'm",
        "from",
        "here",
        "with",
        "who",
        "currently",
        "working",
        "so",
        "it",
        "to",
        "for",
        "at",
        "in",
        "by",
        "nice",
        "thanks",
        "thank",
    ]
)
_MAX_NAME_CHARS = 60


def extract_name(text: str) -> str:
    """The candidate's name from a reply to "what is your name?", or "" when unsure."""
    cleaned = " ".join(text.strip().split())
    for pattern in _NAME_PATTERNS:
        match = pattern.search(cleaned)
        if match:
            # "I'm Ana and I ..." -> "Ana": a name ends where the sentence goes on.
            kept: list[str] = []
            for word in match.group(1).split():
                if word.lower() in _NAME_ENDERS:
                    break
                kept.append(word)
            if kept and not any(w.lower() in _NOT_NAMES for w in kept):
                return _tidy_name(" ".join(kept))
    words = cleaned.rstrip(".!").split()
    if (
        1 <= len(words) <= 3
        and all(re.fullmatch(r"[^\W\d_][\w'\-]*", w) for w in words)
        and not any(w.lower() in _NOT_NAMES for w in words)
    ):
        return _tidy_name(" ".join(words))
    return ""


def _tidy_name(name: str) -> str:
    name = name.strip(" .,!?;:")[:_MAX_NAME_CHARS]
    return " ".join(w if w[:1].isupper() else w.capitalize() for w in name.split())


_GAP_RE = re.compile(
    r"\b(?:i\s+(?:do\s+not|don'?t|dont)\s+know|no\s+idea|not\s+sure|no\s+clue|"
    r"i'?m\s+not\s+familiar|i\s+am\s+not\s+familiar|never\s+(?:used|worked\s+with|heard\s+of)|"
    r"(?:can'?t|cannot)\s+remember|i\s+have\s+no\s+experience|i\s+haven'?t\s+(?:used|worked))",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z][a-z0-9+#.\-]{2,}")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "what",
        "how",
        "why",
        "when",
        "which",
        "that",
        "this",
        "would",
        "could",
        "have",
        "has",
        "are",
        "was",
        "were",
        "can",
        "about",
        "into",
        "from",
        "they",
        "them",
        "their",
        "there",
        "then",
        "than",
        "some",
        "any",
        "does",
        "did",
        "not",
        "but",
        "its",
        "it's",
        "our",
        "out",
        "use",
        "used",
        "using",
        "tell",
        "walk",
        "through",
        "describe",
        "explain",
        "example",
        "give",
    ]
)


def is_knowledge_gap(answer: str) -> bool:
    """A short answer that admits not knowing (long answers that hedge are still answers)."""
    return bool(_GAP_RE.search(answer)) and len(answer.split()) < 40


def content_words(text: str) -> set[str]:
    """Content-word stems (first five letters), for a rough on-topic check.

    Stems make "generators" meet "generator" and "caching" meet "cache" without a stemmer.
    """
    words = {w.strip(".-") for w in _WORD_RE.findall(text.lower())} - _STOPWORDS
    return {w[:5] for w in words if w}
