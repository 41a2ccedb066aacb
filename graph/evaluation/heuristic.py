"""The offline evaluator: a deterministic heuristic of our own, never passed off as a model.

It scores what can be counted in the candidate's words, per main question:

* L, length (0-2): under 15 words 0, under 40 words 1, else 2.
* R, relevance (0-2): content words shared with the main question and its skill: none 0, one
  or two 1, three or more 2. (Not with the follow-ups: they echo the candidate's own words.)
* S, specificity (0-2): kinds of concrete detail present (a number, a named tool or
  identifier, a concrete action verb, an example or first-hand marker): one or none 0, two 1,
  three or more 2.
* D, depth (0-2): with follow-ups asked, the follow-up answers of 15+ words that stay on topic
  (share a content word with the question or the follow-ups) and admit no gap (at most 2);
  with none asked, 1 if L and S are both 2, else 0.

The proposed score is ``min(5, 1 + (L + R + S + D + 1) // 2)``. An answer with neither relevance
nor specificity (R = S = 0) gives nothing to assess and proposes no score. Evidence is the two
sentences of the answers that carry the most topic words and details, quoted verbatim; the
common checks (graph.evaluation.evidence) then apply exactly as to an LLM's proposal, including
the caps for an admitted knowledge gap.

Communication (1-5): 3, plus 1 for sentences of 8-30 words on average over 25+ words, plus 1
for linking words (because, so, then, first, which...), minus 1 for three or more fillers
(um, uh, you know, like) or an answer under 8 words.
"""

from __future__ import annotations

import re
from typing import Final

from graph.evaluation.evidence import Proposal, ProposedQuote
from graph.evaluation.transcript import Answer, QuestionTranscript
from graph.text import content_words

GENERATED_BY: Final = "offline-heuristic"

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:%|ms|s|x|k|m|gb|mb)?\b", re.IGNORECASE)
_IDENTIFIER = re.compile(
    r"\b(?:[a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]*|"
    r"[A-Za-z]+(?:[._/][A-Za-z0-9]+)+|\w+\(\))",
)
_ACTION = re.compile(
    r"\b(?:measur|profil|benchmark|built|design|implement|migrat|refactor|deploy|debug|fix|"
    r"reduc|cut|improv|add|wrote|test|monitor|index|cach|optimi|automat|review|led|own|"
    r"shipp|launch|rewr|split|replac|introduc|configur|scal)\w*",
    re.IGNORECASE,
)
_EXAMPLE = re.compile(
    r"\b(?:for example|for instance|e\.g\.|such as|in my (?:last|previous|current)|"
    r"at my|we |our |i (?:built|wrote|led|owned|use|used|worked|designed|started|would|'d))",
    re.IGNORECASE,
)
_LINKS = re.compile(
    r"\b(?:because|so that|therefore|then|first|second|finally|which|however|instead|"
    r"as a result|that way)\b",
    re.IGNORECASE,
)
_FILLERS = re.compile(r"\b(?:um+|uh+|erm|you know|kind of|sort of|like,)", re.IGNORECASE)


def _words(text: str) -> int:
    return len(text.split())


def _detail_kinds(text: str) -> int:
    return sum(bool(p.search(text)) for p in (_NUMBER, _IDENTIFIER, _ACTION, _EXAMPLE))


def _topic(question: QuestionTranscript) -> set[str]:
    return content_words(" ".join([question.question, question.skill or ""]))


def _sentences(answer: Answer) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(answer.text) if len(s.split()) >= 3]


def _communication(text: str) -> int:
    words = _words(text)
    sentences = [s for s in _SENTENCE.findall(text) if s.strip()]
    average = words / max(len(sentences), 1)
    score = 3
    if words >= 25 and 8 <= average <= 30:
        score += 1
    if _LINKS.search(text):
        score += 1
    if len(_FILLERS.findall(text)) >= 3 or words < 8:
        score -= 1
    return max(1, min(5, score))


def assess(question: QuestionTranscript) -> Proposal:
    """The heuristic's proposal for one answered question (see the module docstring)."""
    answers = question.substantive
    text = " ".join(a.text for a in answers)
    topic = _topic(question)
    # A follow-up answer stays on topic if it meets the question or the follow-up it answers.
    probed = topic | content_words(" ".join(question.follow_ups))
    shared = content_words(text) & topic
    words = _words(text)
    length = 0 if words < 15 else 1 if words < 40 else 2
    relevance = 0 if not shared else 1 if len(shared) <= 2 else 2
    kinds = _detail_kinds(text)
    specificity = 0 if kinds <= 1 else 1 if kinds == 2 else 2
    follow_up_answers = [a for a in answers if a.follow_up > 0]
    if question.follow_ups:
        depth = min(
            2,
            sum(
                1
                for a in follow_up_answers
                if _words(a.text) >= 15 and not a.gap and content_words(a.text) & probed
            ),
        )
    else:
        depth = 1 if length == 2 and specificity == 2 else 0
    raw = length + relevance + specificity + depth
    ranked = sorted(
        (
            (len(content_words(s) & topic) + _detail_kinds(s), -i, a.turn, s)
            for i, (a, s) in enumerate((a, s) for a in answers for s in _sentences(a))
        ),
        reverse=True,
    )
    quotes = [ProposedQuote(quote=s, turn=turn) for weight, _, turn, s in ranked[:2] if weight > 0]
    gaps = sum(a.gap for a in answers)
    terms = ", ".join(sorted(shared)[:6]) or "none"
    rationale = (
        f"Heuristic: {words} words (L={length}); topic terms {terms} (R={relevance}); "
        f"{kinds} kind(s) of concrete detail (S={specificity}); depth D={depth}"
        + (f" over {len(question.follow_ups)} follow-up(s)" if question.follow_ups else "")
        + (f"; {gaps} answer(s) admit a knowledge gap" if gaps else "")
        + "."
    )
    assessable = relevance > 0 or specificity > 0 or gaps > 0
    return Proposal(
        number=question.number,
        score=min(5, 1 + (raw + 1) // 2) if assessable else None,
        quotes=quotes,
        rationale=rationale,
        admitted_gap=gaps > 0,
        communication=_communication(text),
    )
