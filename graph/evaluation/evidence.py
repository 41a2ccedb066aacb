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


GAP_ONLY_CAP = 1
"""Score cap when every answer on the question admits not knowing."""
GAP_PARTLY_CAP = 3
"""Score cap when some answer on it (e.g. a follow-up's) admits not knowing."""


def check_question(question: QuestionTranscript, proposal: Proposal | None) -> QuestionReport:
    """The question's report: the proposal, kept only as far as the transcript supports it."""
    blank = QuestionReport(
        number=question.number,
        stage=question.stage,
        skill=question.skill,
        question=question.question,
        asked=question.asked,
        follow_ups=question.follow_ups,
        status="not_answered",
    )
    if not question.answered:
        reason = (
            "Never asked: the interview ended first."
            if not question.asked
            else "No answer: the candidate passed on the question."
            if question.passed
            else "No answer: the candidate's reply was empty or skipped the question."
            if question.answers
            else "No answer: the interview ended before the candidate answered."
        )
        return blank.model_copy(update={"rationale": reason})
    answers = question.substantive
    gaps = [a for a in answers if a.gap]
    gap_only = len(gaps) == len(answers)
    admitted = bool(gaps) or bool(proposal and proposal.admitted_gap)
    evidence, dropped = verify_quotes(proposal.quotes if proposal else [], answers)
    if gap_only and not evidence:
        # The admission itself is the evidence for the low score.
        evidence = [Evidence(quote=normalise(a.text), turn=a.turn) for a in gaps[:MAX_QUOTES]]
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
    cap = GAP_ONLY_CAP if gap_only else GAP_PARTLY_CAP if admitted else 5
    score = min(proposal.score, cap)
    if score < proposal.score:
        rationale += f" [Score capped at {cap}: the candidate admitted a knowledge gap.]"
    return blank.model_copy(
        update={
            "status": "scored",
            "score": score,
            "evidence": evidence,
            "rationale": rationale.strip(),
            "admitted_gap": admitted,
            "communication": proposal.communication,
            "dropped_quotes": dropped,
        }
    )
