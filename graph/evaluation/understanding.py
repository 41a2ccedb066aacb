"""What the evaluator needs to know about an answer, read through graph.language.

The evaluator asks three things of a candidate's message: is it a non-answer (and which kind),
which of its sentences are about the question, and where its sentences end (so a quote never
cuts `requests.get` in two). What a message *is* (blank, gap, pass) and how words and sentences
are cut belong to graph.language, the one answer-understanding module; this file adds only the
evaluator's policy on top: which replies score the lowest anchor, and the topic a sentence must
meet to count.

Kinds of non-answer (`NonAnswer`), each scoring the rubric's lowest anchor:

* `blank`: no letter or digit at all (graph.language.is_blank).
* `pass`: the candidate passes on the question ("skip this one", "next question"), as the
  screening's rules read it (graph.language.is_pass).
* `gap`: admits not knowing in any common phrasing and says little else (graph.language.is_gap:
  "dunno", "never used it", "I'd have to look that up"). A hedge followed by content ("I'm not
  sure, but I think the event loop ...") is an answer.
* `one_word`: a word or a few ("DAGs", "Serializable.", "they run stuff"), or an on-topic part
  that short inside talk about something else.
* `off_topic`: no sentence meets the question's topic (`topic_stems`); a question back to the
  interviewer ("what is the salary range?") meets none.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final, Literal

from graph import stages
from graph.language import content_words, is_blank, is_gap, is_pass, sentences
from graph.language.words import STOPWORDS, everyday_stems, tech_stems, work_stems
from graph.skills import skill_vocabulary

__all__ = ["NON_ANSWERS", "NonAnswer", "is_gap", "is_pass", "non_answer", "sentences"]

NonAnswer = Literal["blank", "pass", "gap", "off_topic", "one_word"]
NON_ANSWERS: Final[dict[NonAnswer, str]] = {
    "blank": "an empty reply",
    "pass": "the candidate passed on the question",
    "gap": "the candidate said they do not know",
    "off_topic": "nothing in the reply is about the question",
    "one_word": "a word or a few, with no explanation",
}
"""Each kind of non-answer, as the report's rationale names it."""

ONE_WORD_WORDS: Final = 3
"""A reply (or its on-topic part) of at most this many words says nothing to score: it is a
one-word non-answer. (Longer terse replies, graph.language.is_terse, are scored on content.)"""


def stems(text: str) -> set[str]:
    """Content stems of `text` (graph.language.content_words), everyday English left out."""
    words = {w.strip(".,;:!?()[]`'\"").lower() for w in text.split()}
    return content_words(" ".join(w for w in words if w not in STOPWORDS))


@cache
def topic_stems(question: str, skill: str | None, stage: str) -> frozenset[str]:
    """The stems that make a sentence about the question: its own words (everyday English left
    out), the skill's, and the vocabulary of the stage's subject (technical words; for behavioral
    and custom questions, words about work as well)."""
    found = stems(question) | stems(skill or "")
    if skill:
        found |= skill_vocabulary(skill)
    found |= tech_stems()
    if not stages.is_main(stage) or stages.topic_of(stage) != "skill":
        found |= work_stems()
    return frozenset(found - everyday_stems())


_WORD = re.compile(r"[a-z][a-z0-9_+#.\-]{2,}")


def stems_meeting(text: str, topic: frozenset[str]) -> set[str]:
    """The topic stems `text` meets: a word's own stem, or a topic stem inside a longer word
    ("cProfile" meets "profi", "pg_stat_statements" meets "state")."""
    met = stems(text) & topic
    for word in set(_WORD.findall(text.lower())) - STOPWORDS:
        if len(word) > 6:
            # Every five-letter window of the word, looked up: a stem is five letters long.
            met |= {word[i : i + 5] for i in range(len(word) - 4)} & topic
    return met


def on_topic_sentences(text: str, topic: frozenset[str]) -> list[str]:
    """The message's sentences that meet the topic (`stems_meeting`). A question back to the
    interviewer ("what is the salary range?") answers nothing, whatever words it shares."""
    return [s for s in sentences(text) if not s.endswith("?") and stems_meeting(s, topic)]


def non_answer(text: str, topic: frozenset[str]) -> NonAnswer | None:
    """Which kind of non-answer the message is, or None for an answer to score on content."""
    if is_blank(text):
        return "blank"
    if is_pass(text):
        return "pass"
    if is_gap(text):
        return "gap"
    if len(text.split()) <= ONE_WORD_WORDS:
        return "one_word"
    relevant = on_topic_sentences(text, topic)
    if not relevant:
        return "off_topic"
    if len(" ".join(relevant).split()) <= ONE_WORD_WORDS:
        return "one_word"
    return None
