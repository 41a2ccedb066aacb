"""What the evaluator needs to know about an answer, behind one seam.

The evaluator asks three things of a candidate's message: is it a non-answer (and which kind),
which of its sentences are about the question, and where its sentences end (so a quote never
cuts `requests.get` in two). Issue 18 gives answer understanding to one module
(graph/language.py); until it lands, these functions hold the evaluator's only copy, so switching
to it is an edit of this file alone.

Kinds of non-answer (`NonAnswer`), each scoring the rubric's lowest anchor:

* `blank`: no letter or digit at all.
* `pass`: the candidate passes on the question ("skip this one", "next question"), as the
  screening's rules read it (graph.cheat_rules).
* `gap`: a short message that admits not knowing in any common phrasing ("dunno", "no idea",
  "never used it", "I'd have to look that up") and says nothing more about the subject. A hedge
  followed by content ("I'm not sure, but I think the event loop ...") is an answer.
* `one_word`: a word or a few ("DAGs", "Serializable.", "they run stuff"), or an on-topic part
  that short inside talk about something else.
* `off_topic`: no sentence meets the question's topic (`topic_stems`).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final, Literal

from graph import stages
from graph.cheat_rules import screen_message
from graph.skills import skill_vocabulary
from graph.text import (
    EVERYDAY_WORDS,
    TECH_STEMS,
    WORK_STEMS,
    content_words,
    is_blank,
    is_knowledge_gap,
)

NonAnswer = Literal["blank", "pass", "gap", "off_topic", "one_word"]
NON_ANSWERS: Final[dict[NonAnswer, str]] = {
    "blank": "an empty reply",
    "pass": "the candidate passed on the question",
    "gap": "the candidate said they do not know",
    "off_topic": "nothing in the reply is about the question",
    "one_word": "a word or a few, with no explanation",
}
"""Each kind of non-answer, as the report's rationale names it."""

TERSE_WORDS: Final = 3
"""An on-topic part of at most this many words is a one-word non-answer."""
GAP_MAX_WORDS: Final = 20
"""A gap phrase in a longer message is a hedge: the rest of the message is scored."""

_SKIPS = frozenset(
    """skip pass next n/a na - ? none nothing no-comment no-answer""".split()  # noqa: SIM905
) | {
    "skip it",
    "skip this",
    "skip this one",
    "skip this question",
    "i pass",
    "next question",
    "next one",
    "no answer",
    "no comment",
    "i'd rather not answer",
    "i would rather not answer",
    "i'd rather not say",
}
_TRIM = re.compile(r"^[\s.!?…,;:\"'()\-]+|[\s.!?…,;:\"'()]+$")
# Phrasings of "I don't know" that graph.text's pattern does not read yet.
_MORE_GAPS = re.compile(
    r"\b(?:dunno|idk|no clue|not a clue|haven'?t a clue|(?:can'?t|cannot) think of|"
    r"nothing comes to mind|(?:have|need) to look (?:it|that|this) up|never (?:really )?"
    r"(?:done|built|had|touched|tried|needed|disagreed|learned|learnt)|"
    r"(?:do not|don'?t) (?:really )?(?:follow|know much|remember)|not familiar|no experience)\b",
    re.IGNORECASE,
)
# A sentence ends at . ! ? or a line break followed by space or the end: "requests.get",
# "3.11" and "e.g." inside a sentence do not end it.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The message's sentences, stripped; identifiers and decimals stay whole."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def stems(text: str) -> set[str]:
    """Content stems of `text` (graph.text.content_words), everyday English left out."""
    words = {w.strip(".,;:!?()[]`'\"").lower() for w in text.split()}
    return content_words(" ".join(w for w in words if w not in EVERYDAY_WORDS))


_EVERYDAY_STEMS: Final = frozenset(content_words(" ".join(EVERYDAY_WORDS)))


@cache
def topic_stems(question: str, skill: str | None, stage: str) -> frozenset[str]:
    """The stems that make a sentence about the question: its own words (everyday English left
    out), the skill's, and the vocabulary of the stage's subject (technical words; for behavioral
    and custom questions, words about work as well)."""
    found = stems(question) | stems(skill or "")
    if skill:
        found |= skill_vocabulary(skill)
    found |= TECH_STEMS
    if not stages.is_main(stage) or stages.topic_of(stage) != "skill":
        found |= WORK_STEMS
    return frozenset(found - _EVERYDAY_STEMS)


_WORD = re.compile(r"[a-z][a-z0-9_+#.\-]{2,}")


def stems_meeting(text: str, topic: frozenset[str]) -> set[str]:
    """The topic stems `text` meets: a word's own stem, or a topic stem inside a longer word
    ("cProfile" meets "profi", "pg_stat_statements" meets "state", "useMemo" meets "memo")."""
    met = stems(text) & topic
    for word in set(_WORD.findall(text.lower())) - EVERYDAY_WORDS:
        if len(word) > 6:
            met |= {t for t in topic if len(t) == 5 and t in word}
    return met


def on_topic_sentences(text: str, topic: frozenset[str]) -> list[str]:
    """The message's sentences that meet the topic (`stems_meeting`). A question back to the
    interviewer ("what is the salary range?") answers nothing, whatever words it shares."""
    return [s for s in sentences(text) if not s.endswith("?") and stems_meeting(s, topic)]


def is_pass(text: str) -> bool:
    """A message that only declines the question ("skip", "next question", "can I pass?")."""
    if _TRIM.sub("", " ".join(text.lower().split())) in _SKIPS:
        return True
    match = screen_message(text)
    return match is not None and match.outcome == "pass"


def is_gap(text: str) -> bool:
    """A short message admitting not knowing, in any common phrasing."""
    if len(text.split()) >= GAP_MAX_WORDS:
        return False
    return is_knowledge_gap(text) or bool(_MORE_GAPS.search(text))


def non_answer(text: str, topic: frozenset[str]) -> NonAnswer | None:
    """Which kind of non-answer the message is, or None for an answer to score on content."""
    if is_blank(text):
        return "blank"
    if is_pass(text):
        return "pass"
    if is_gap(text):
        return "gap"
    if len(text.split()) <= TERSE_WORDS:
        return "one_word"
    relevant = on_topic_sentences(text, topic)
    if not relevant:
        return "off_topic"
    if len(" ".join(relevant).split()) <= TERSE_WORDS:
        return "one_word"
    return None
