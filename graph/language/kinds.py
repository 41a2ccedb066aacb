"""What a message *is*: blank, an admitted gap, a pass, a process request, terse, an answer.

One table per decision, read by screening (graph/cheat_rules.py), the follow-up policy
(graph/follow_up.py), the offline interviewer and the evaluator, so they never classify the same
message differently. `tests/unit/test_language.py` pins every label on one table of messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Literal

from graph.language.words import STOPWORDS, tokens

MessageKind = Literal["blank", "gap", "pass", "process", "integrity", "terse", "answer"]
"""What a candidate message is before its relevance is read: nothing at all (`blank`), an
admitted gap, a pass on the question, a process request (end early, feedback), an integrity
matter (asking for answers, injections), a terse reply (under `TERSE_WORDS` words), or an
answer."""

TERSE_WORDS = 8
"""Below this many words an answer is terse: a short on-topic one gets a clarifying follow-up."""
GAP_MAX_CONTENT_WORDS = 3
"""An admitted gap stays a gap while the rest of the message carries at most this many content
words: "Not sure, but Python counts references and collects cycles" is a hedged answer."""

# Every common way to admit not knowing, in any case and punctuation (apostrophes optional,
# "do not" and "don't" alike). The make-quality gap check and the table test read this list.
GAP_PHRASES: tuple[str, ...] = (
    "i don't know",
    "don't know",
    "dunno",
    "idk",
    "no idea",
    "not sure",
    "i'm unsure",
    "no clue",
    "not a clue",
    "haven't got a clue",
    "haven't a clue",
    "not familiar",
    "i'm not familiar",
    "never used it",
    "never used",
    "never worked with",
    "never heard of",
    "haven't heard of",
    "never come across",
    "never came across",
    "haven't come across",
    "can't remember",
    "don't remember",
    "i forget",
    "i forgot",
    "no experience",
    "haven't used",
    "haven't worked with",
    "haven't done",
    "never done",
    "never had to",
    "i'd have to look that up",
    "i'd have to look it up",
    "i'd need to look that up",
    "i'd need to look it up",
    "have to google",
    "need to google",
    "would google",
    "beats me",
    "no knowledge",
    "drawing a blank",
    "i'm blanking",
    "my mind is blank",
    "out of my depth",
    "not my area",
    "not something i know",
    "can't answer",
    "don't have an answer",
    "have no answer",
    "i'm stumped",
    "stumped",
    "no idea honestly",
    "that's new to me",
    "i can't say",
    "i couldn't say",
    "not sure honestly",
    "i give up",
    "don't have experience",
    "can't recall",
    "don't recall",
    "i'm lost",
    "clueless",
)

# Contractions and their spellings: "don't", "dont", "do not", "don’t" all match one phrase.
_VARIANTS = {
    "don't": r"(?:do\s*n['’]?t|do not)",
    "i'm": r"(?:i['’]?m|i am)",
    "i'd": r"(?:i['’]?d|i would|i will|i['’]ll)",
    "can't": r"(?:can['’]?t|cannot|can not)",
    "couldn't": r"(?:couldn['’]?t|could not)",
    "haven't": r"(?:haven['’]?t|have not|do not have|don['’]?t have)",
    "that's": r"(?:that['’]?s|that is|this is|it['’]?s)",
}


def _phrase_pattern(phrase: str) -> str:
    words = [_VARIANTS.get(w, re.escape(w)) for w in phrase.split()]
    return r"\b" + r"\s+".join(words) + r"\b"


@cache
def _gap_regex() -> re.Pattern[str]:
    return re.compile(gap_pattern(), re.IGNORECASE)


def gap_pattern() -> str:
    """The gap phrases as one regex (lowercase text), for rules that say "unless it admits a
    gap" (graph/cheat_rules.py)."""
    ordered = sorted(GAP_PHRASES, key=len, reverse=True)
    return "(?:" + "|".join(_phrase_pattern(p) for p in ordered) + ")"


def message_text(message: Any) -> str:
    """The text of a message, a message's content or a stream chunk's content.

    Some providers send a list of content blocks; only their text counts. Every reader of
    messages (nodes, follow-ups, the offline model, the evaluator) takes text from here.
    """
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        return str(content.get("text", ""))
    if isinstance(content, Sequence):
        return "".join(
            str(block.get("text", "")) if isinstance(block, Mapping) else str(block)
            for block in content
        )
    return "" if content is None else str(content)


def is_blank(text: str) -> bool:
    """No letter or digit at all: empty, whitespace, punctuation, symbols or invisible characters.

    Such a message is not an answer in any stage: the graph prompts gently and advances nothing.
    """
    return not any(char.isalnum() for char in text)


def word_count(text: str) -> int:
    """How many words `text` has (as the candidate would count them)."""
    return len(text.split())


def is_terse(text: str) -> bool:
    """Fewer than `TERSE_WORDS` words: "Poetry with lock files." may be on point, but is short."""
    return 0 < word_count(text) < TERSE_WORDS


def gap_phrase(text: str) -> str:
    """The gap phrase `text` admits, as written ("" when none)."""
    match = _gap_regex().search(text.replace("’", "'"))
    return match.group(0) if match else ""


def is_gap(text: str) -> bool:
    """The message admits not knowing and says little else.

    "dunno", "No idea.", "I'd have to look that up", "Never used it, sorry" are gaps; "Not sure,
    but I'd put a B-tree index on the join keys" is a hedged answer (more than
    `GAP_MAX_CONTENT_WORDS` content words beside the admission).
    """
    cleaned = text.replace("’", "'")
    regex = _gap_regex()
    if not regex.search(cleaned):
        return False
    rest = regex.sub(" ", cleaned)
    content = [
        t
        for t in tokens(rest)
        if t.lower() not in STOPWORDS and t.lower() not in _GAP_FILLER and len(t) > 2
    ]
    return len(content) <= GAP_MAX_CONTENT_WORDS


# Words that come with an admission and say nothing more: "Sorry, honestly no idea about that".
_GAP_FILLER = frozenset(
    """
    sorry unfortunately afraid honest honestly really much anything topic area that this those
    these concept thing part specifics details detail off top head guess move skip pass next
    """.split()  # noqa: SIM905
)


def is_pass(text: str) -> bool:
    """The candidate passes on the question: "pass", "skip this one", "next question please",
    "can I pass on this one?" (the screening's pass rules, graph/cheat_rules.py)."""
    return screening_outcome(text) == "pass"


def is_process_request(text: str) -> bool:
    """A request about the interview itself: end it early, feedback or the score now."""
    return screening_outcome(text) == "process"


def screening_outcome(text: str) -> Literal["integrity", "process", "pass"] | None:
    """The screening rules' outcome for `text` (None: an answer)."""
    from graph.cheat_rules import screen_message  # the rules import this module's gap table

    match = screen_message(text)
    return match.outcome if match else None


def is_non_answer(text: str) -> bool:
    """Nothing there to quote or probe: blank, a pass or an admitted gap."""
    return is_blank(text) or is_gap(text) or is_pass(text)


def classify(text: str) -> MessageKind:
    """What `text` is, before its relevance to a question is read (see `MessageKind`).

    Order matters and is the screening's: blank first, then integrity, process and pass (the
    rules, which let a pass that admits a gap through as a gap), then a gap, then terse.
    """
    if is_blank(text):
        return "blank"
    outcome = screening_outcome(text)
    if outcome is not None:
        return outcome
    if is_gap(text):
        return "gap"
    if is_terse(text):
        return "terse"
    return "answer"
