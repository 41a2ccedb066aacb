"""Evidence is checked by code: a quote counts only if the candidate really said it.

A proposed quote is kept when, after whitespace normalisation, it appears verbatim in one of
the candidate's own (unflagged) messages on that question; the quote's `turn` is then taken
from the message it was found in, whatever turn was proposed. Everything else is dropped:
interviewer words, other questions' answers, paraphrases, inventions, and fragments too short to
show anything (fewer than three words, unless the quote is the whole answer).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from graph.evaluation.report import Evidence, QuestionReport
from graph.evaluation.transcript import Answer, QuestionTranscript
from graph.evaluation.understanding import NON_ANSWERS

MAX_QUOTES = 4
"""Evidence items kept per question (the first ones that pass)."""

MIN_QUOTE_WORDS = 3

# Framing an LLM puts around a quote is not part of it.
_FRAME = " \t\r\n\"'“”‘’«»`…."


class ProposedQuote(BaseModel):
    """A quote as proposed by the LLM or the heuristic, not yet trusted."""

    quote: str = Field(
        description="An exact excerpt of one of the candidate's answers, copied character for "
        "character (no paraphrase, no ellipsis, no interviewer words)."
    )
    turn: int = Field(description="The turn number written before the answer quoted.")


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces, ends trimmed: the form quotes are compared in."""
    return " ".join(text.split())


def _unframed(quote: str) -> str:
    return normalise(quote).strip(_FRAME)


def verify_quotes(
    proposed: list[ProposedQuote], answers: list[Answer]
) -> tuple[list[Evidence], int]:
    """The proposed quotes that really are the candidate's words, and how many were dropped."""
    haystacks = [(a.turn, normalise(a.text)) for a in answers]
    kept: list[Evidence] = []
    seen: set[str] = set()
    dropped = 0
    for item in proposed:
        quote = _unframed(item.quote)
        where = _find(quote, item.turn, haystacks)
        if where is None or quote.casefold() in seen or len(kept) >= MAX_QUOTES:
            dropped += 1
            continue
        seen.add(quote.casefold())
        kept.append(Evidence(quote=quote, turn=where))
    return kept, dropped


def _find(quote: str, proposed_turn: int, haystacks: list[tuple[int, str]]) -> int | None:
    if not quote:
        return None
    # The proposed turn first: the same words may appear in two answers.
    ordered = sorted(haystacks, key=lambda h: h[0] != proposed_turn)
    for turn, text in ordered:
        if quote not in text:
            continue
        if len(quote.split()) >= MIN_QUOTE_WORDS or quote == text.strip(_FRAME):
            return turn
    return None


class Proposal(BaseModel):
    """What the LLM or the heuristic proposes for one question, before the code checks it."""

    number: int
    score: int | None = Field(default=None, ge=1, le=5)
    quotes: list[ProposedQuote] = Field(default_factory=list)
    rationale: str = ""
    admitted_gap: bool = False
    communication: int | None = Field(default=None, ge=1, le=5)
    runs: list[int] = Field(
        default_factory=list, description="The LLM judge's score in each run (empty offline)."
    )


LOWEST_ANCHOR = 1
DISAGREEMENT_SPREAD = 1
"""Judge runs whose scores spread by more than this mark the question `disagreement`."""
"""The score of a question asked and met only with non-answers (gap, pass, off-topic, one word)."""
GAP_PARTLY_CAP = 3
"""Score cap when some answer on the question (e.g. a follow-up's) admits not knowing."""


def _non_answer_report(question: QuestionTranscript, blank: QuestionReport) -> QuestionReport:
    """Every reply on the question is a non-answer: the lowest anchor, the replies quoted."""
    kinds = [a.non_answer for a in question.answers if a.non_answer is not None]
    # The most telling kind: a pass or a gap says more than the empty reply before it.
    kind = next((k for k in kinds if k != "blank"), "blank")
    quoted = [
        Evidence(quote=normalise(a.text), turn=a.turn)
        for a in question.answers
        if normalise(a.text) and a.non_answer != "blank"
    ][:MAX_QUOTES]
    reasons = "; ".join(dict.fromkeys(NON_ANSWERS[k] for k in kinds))
    return blank.model_copy(
        update={
            "status": "scored",
            "score": LOWEST_ANCHOR,
            "evidence": quoted,
            "non_answer": kind,
            "communication": LOWEST_ANCHOR,
            "admitted_gap": "gap" in kinds,
            "scored_by": "rule",
            "rationale": f"Lowest anchor ({LOWEST_ANCHOR}/5), no answer to assess: {reasons}.",
        }
    )


def check_question(question: QuestionTranscript, proposal: Proposal | None) -> QuestionReport:
    """The question's report: the proposal, kept only as far as the transcript supports it.

    Never asked: `not_reached`. Asked, and the interview ended before any reply:
    `not_answered`. Met only with non-answers: scored at the lowest anchor, whatever was
    proposed. Otherwise the proposal, with its quotes checked and an admitted gap capping it.
    """
    blank = QuestionReport(
        number=question.number,
        stage=question.stage,
        skill=question.skill,
        question=question.question,
        asked=question.asked,
        follow_ups=question.follow_ups,
        status="not_reached",
        rationale="Not reached: the interview ended before this question.",
    )
    if not question.asked:
        return blank
    if not question.replied:
        return blank.model_copy(
            update={
                "status": "not_answered",
                "rationale": "Asked, but the interview ended before the candidate replied.",
            }
        )
    if not question.answered:
        return _non_answer_report(question, blank)
    answers = question.substantive
    admitted = any(a.gap for a in question.answers) or bool(proposal and proposal.admitted_gap)
    evidence, dropped = verify_quotes(proposal.quotes if proposal else [], answers)
    rationale = proposal.rationale.strip() if proposal else ""
    if dropped:
        rationale += f" [{dropped} proposed quote(s) dropped: not found verbatim in the answers.]"
    if not evidence or proposal is None or proposal.score is None:
        return blank.model_copy(
            update={
                "status": "insufficient_evidence",
                "evidence": evidence,
                "rationale": (rationale or "Nothing in the answers could be assessed.").strip(),
                "admitted_gap": admitted,
                "dropped_quotes": dropped,
            }
        )
    cap = GAP_PARTLY_CAP if admitted else 5
    score = min(proposal.score, cap)
    if score < proposal.score:
        rationale += f" [Score capped at {cap}: the candidate admitted a knowledge gap.]"
    runs = proposal.runs
    disagreement = bool(runs) and max(runs) - min(runs) > DISAGREEMENT_SPREAD
    if disagreement:
        rationale += (
            f" [Disagreement: the judge's {len(runs)} runs scored "
            f"{', '.join(str(r) for r in runs)}; a human should look.]"
        )
    return blank.model_copy(
        update={
            "status": "scored",
            "score": score,
            "evidence": evidence,
            "rationale": rationale.strip(),
            "admitted_gap": admitted,
            "communication": proposal.communication,
            "dropped_quotes": dropped,
            "scored_by": "model" if runs else "heuristic",
            "judge_scores": runs,
            "disagreement": disagreement,
        }
    )
