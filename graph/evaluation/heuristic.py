"""The offline evaluator: a deterministic heuristic of our own, never passed off as a model.

It proposes a score only for answers (graph.evaluation.understanding): a question met with a
non-answer (gap, pass, off-topic, one word) gets the lowest anchor from the code's checks
whatever anyone proposes. It reads only the answers' *on-topic* sentences (those sharing a stem
with the question's topic), so a sentence about football or parking adds nothing: an answer
never scores higher for having one. From them, per main question:

* L, length (0-2): under 15 words 0, under 40 words 1, else 2.
* R, relevance (0-2): distinct topic stems met: one or two 0, three to five 1, six or more 2.
* S, specificity (0-2): kinds of concrete detail present (a number, a named tool or
  identifier, a concrete action verb, an example or first-hand marker): one or none 0, two 1,
  three or more 2.
* D, depth (0-2): with follow-ups asked, the follow-up answers of 15+ words that stay on topic
  and admit no gap (at most 2); with none asked, 1 if L and S are both 2, else 0.
* E, explanation (0-1): a reason or a consequence is given ("because", "so that", "instead").

The proposed score is ``min(5, 2 + (L + R + S + D + E) // 2)``: an answer with on-topic content
scores 2 at least, on its content however short ("Container queries, because components can
respond to their own size" scores on its reason, not its length). Evidence is the two on-topic
sentences that carry the most topic words and details, quoted verbatim and whole (sentences end
at a full stop followed by a space, so `requests.get` stays one word); the common checks
(graph.evaluation.evidence) then apply exactly as to an LLM's proposal, including the cap for an
admitted knowledge gap.

Communication (1-5): 3, plus 1 for sentences of 8-30 words on average over 25+ words, plus 1
for linking words (because, so, then, first, which...), minus 1 for three or more fillers
(um, uh, you know, like) or an answer under 8 words.
"""

from __future__ import annotations

import re
from typing import Final

from graph import stages
from graph.evaluation.evidence import MIN_QUOTE_WORDS, Proposal, ProposedQuote
from graph.evaluation.transcript import QuestionTranscript
from graph.evaluation.understanding import on_topic_sentences, stems_meeting

GENERATED_BY: Final = "offline-heuristic"

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_REASON = re.compile(
    r"\b(?:because|so that|so the|so it|so we|so i|so nobody|which means|instead|rather than|"
    r"otherwise|that way|since|in order to|to avoid|the reason)\b",
    re.IGNORECASE,
)
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
# Interview clichés: phrases that would fit any question, employer or system. Three or more in
# the on-topic part mark a stock answer, which scores on its specifics alone.
_STOCK = re.compile(
    r"\b(?:best practices?|industry standard|robust|scalable|high[- ]performing|world[- ]class|"
    r"cutting[- ]edge|state[- ]of[- ]the[- ]art|innovative|passionate|synerg\w*|leverag\w*|"
    r"team player|growth mindset|great culture|strong values|great fit|perfect opportunity|"
    r"make an impact|add(?:ing)? value|deliver(?:ing)? (?:even more )?value|key to (?:success|a)|"
    r"continuous(?:ly)? improv\w*|communicate openly|open mind|collaborative|proactive|"
    r"highly available|fault[- ]tolerant|clean architecture|coding standards|extremely important|"
    r"critical component|customer[- ](?:focused|centric)|detail[- ]oriented|results[- ]driven|"
    r"think outside the box|hit the ground running|at the end of the day|win[- ]win|"
    r"a gift|opportunity to (?:grow|learn)|i always|always (?:make sure|welcome|strive))",
    re.IGNORECASE,
)
STOCK_LIMIT = 3
"""Clichés in the on-topic part from which an answer counts as a stock one."""
STOCK_CAP = 2
"""The best score of a stock answer with no concrete detail (3 with some)."""
ECHO_FREE_CAP = 3
"""The best score of a technical answer that meets none of the question's own words: it may
answer a neighbouring question of the same skill (indexing when asked about isolation)."""
_FILLERS = re.compile(r"\b(?:um+|uh+|erm|you know|kind of|sort of|like,)", re.IGNORECASE)


def _words(text: str) -> int:
    return len(text.split())


def _detail_kinds(text: str) -> int:
    return sum(bool(p.search(text)) for p in (_NUMBER, _IDENTIFIER, _ACTION, _EXAMPLE))


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
    topic = question.topic
    relevant = [(a, s) for a in answers for s in on_topic_sentences(a.text, topic)]
    text = " ".join(s for _, s in relevant)
    shared = stems_meeting(text, topic)
    words = _words(text)
    length = 0 if words < 15 else 1 if words < 40 else 2
    relevance = 0 if len(shared) <= 2 else 1 if len(shared) <= 5 else 2
    kinds = _detail_kinds(text)
    specificity = 0 if kinds <= 1 else 1 if kinds == 2 else 2
    reason = 1 if _REASON.search(text) else 0
    if question.follow_ups:
        on_follow_ups = [
            " ".join(s for b, s in relevant if b is a) for a in answers if a.follow_up > 0
        ]
        depth = min(2, sum(1 for t in on_follow_ups if _words(t) >= 15))
    else:
        depth = 1 if length == 2 and specificity == 2 else 0
    raw = length + relevance + specificity + depth + reason
    score = min(5, 2 + raw // 2)
    notes = []
    stock = len(_STOCK.findall(text))
    if stock >= STOCK_LIMIT:
        cap = STOCK_CAP if kinds <= 1 else STOCK_CAP + 1
        score = min(score, cap)
        notes.append(f"{stock} stock phrase(s): at most {cap}")
    if stages.topic_of(question.stage) == "skill" and not stems_meeting(text, question.own):
        score = min(score, ECHO_FREE_CAP)
        notes.append(f"none of the question's own terms: at most {ECHO_FREE_CAP}")
    ranked = sorted(
        (
            (len(stems_meeting(s, topic)) + _detail_kinds(s), -i, a.turn, s)
            for i, (a, s) in enumerate(relevant)
            if len(s.split()) >= MIN_QUOTE_WORDS or s == a.text.strip()
        ),
        reverse=True,
    )
    quotes = [ProposedQuote(quote=s, turn=turn) for _, _, turn, s in ranked[:2]]
    if not quotes:
        # On-topic words spread over short sentences: the whole message is the quote.
        quotes = [ProposedQuote(quote=a.text, turn=a.turn) for a in answers[:1]]
    gaps = sum(a.gap for a in question.answers)
    terms = ", ".join(sorted(shared)[:6]) or "none"
    dropped = sum(len(a.text.split()) for a in answers) - words
    rationale = (
        f"Heuristic: {words} on-topic words (L={length}); topic terms {terms} (R={relevance}); "
        f"{kinds} kind(s) of concrete detail (S={specificity}); depth D={depth}"
        + (f" over {len(question.follow_ups)} follow-up(s)" if question.follow_ups else "")
        + f"; explanation E={reason}"
        + (f"; {dropped} off-topic word(s) ignored" if dropped > 0 else "")
        + (f"; {gaps} answer(s) admit a knowledge gap" if gaps else "")
        + "".join(f"; {n}" for n in notes)
        + "."
    )
    return Proposal(
        number=question.number,
        score=score,
        quotes=quotes,
        rationale=rationale,
        admitted_gap=gaps > 0,
        communication=_communication(" ".join(a.text for a in answers)),
    )
