"""Aggregation, in code: how question scores make skill scores, the overall and the verdict.

Only the questions' statuses and scores (1-5) enter, so the same per-question scores always give
the same skills, overall and recommendation, whoever proposed them.

1. A skill of the settings scores the mean of its scored technical questions, mapped linearly
   from 1-5 to 0-10: ``(mean - 1) * 2.5``. No scored question: null ("not covered" when no
   question on it was asked).
2. Communication is the mean of the scored questions' communication scores, mapped the same way.
3. The overall is the mean of every scored main question (each weighs the same), mapped from
   1-5 to 1-10: ``1 + (mean - 1) * 2.25``. No scored question: null.
4. Core-skill cap: every skill in the settings is a core skill; if one scored below 3.0/10
   (its questions averaged under 2.2/5), the overall is capped at 4.0 and the recommendation at
   `lean_no_hire`.
5. The recommendation is `insufficient_evidence` when fewer than half the planned main
   questions were scored (or none were planned); otherwise by the (capped) overall: 8.5 and
   above `strong_hire`, 7.0 `hire`, 5.5 `lean_hire`, 4.0 `lean_no_hire`, below `no_hire`.
6. Integrity signals never change a score: they are listed for a human to judge.

Scores are rounded half up to one decimal.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from graph import stages
from graph.evaluation.report import (
    COMMUNICATION,
    Evidence,
    Overall,
    QuestionReport,
    Recommendation,
    SkillReport,
)

CORE_SKILL_FLOOR = 3.0
CORE_CAP_OVERALL = 4.0
BANDS: tuple[tuple[float, Recommendation], ...] = (
    (8.5, "strong_hire"),
    (7.0, "hire"),
    (5.5, "lean_hire"),
    (4.0, "lean_no_hire"),
)
_ORDER: tuple[Recommendation, ...] = (
    "no_hire",
    "lean_no_hire",
    "lean_hire",
    "hire",
    "strong_hire",
)
_SKILL_QUOTES = 3


def _round(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def to_ten(mean: float) -> float:
    """A 1-5 mean on the 0-10 skill scale."""
    return _round((mean - 1) * 2.5)


def to_overall(mean: float) -> float:
    """A 1-5 mean on the 1-10 overall scale."""
    return _round(1 + (mean - 1) * 2.25)


def band(overall: float) -> Recommendation:
    for floor, recommendation in BANDS:
        if overall >= floor:
            return recommendation
    return "no_hire"


def _refs(questions: list[QuestionReport]) -> str:
    return ", ".join(f"Q{q.number}" for q in questions)


def skill_scores(skills: list[str], questions: list[QuestionReport]) -> list[SkillReport]:
    """One entry per skill of the settings (in order, duplicates once), then Communication."""
    reports: list[SkillReport] = []
    seen: set[str] = set()
    for skill in (s.strip() for s in skills):
        if not skill or skill.casefold() in seen:
            continue
        seen.add(skill.casefold())
        on_skill = [
            q
            for q in questions
            if stages.topic_of(q.stage) == "skill"
            and (q.skill or "").casefold() == skill.casefold()
        ]
        scored = [q for q in on_skill if q.status == "scored" and q.score is not None]
        asked = [q for q in on_skill if q.asked]
        if scored:
            scores = [q.score for q in scored if q.score is not None]
            score: float | None = to_ten(_mean(scores))
            justification = (
                f"Mean of {_refs(scored)} ({', '.join(f'{s}/5' for s in scores)}) mapped to 0-10."
            )
        elif asked:
            score = None
            justification = f"Asked in {_refs(asked)}, but no answer could be scored."
        else:
            score = None
            justification = "This skill was not covered."
        reports.append(
            SkillReport(
                skill=skill,
                score=score,
                questions=[q.number for q in on_skill],
                justification=justification,
                evidence=[e for q in scored for e in q.evidence][:_SKILL_QUOTES],
            )
        )
    reports.append(_communication(questions))
    return reports


def _communication(questions: list[QuestionReport]) -> SkillReport:
    rated = [q for q in questions if q.status == "scored" and q.communication is not None]
    if not rated:
        return SkillReport(
            skill=COMMUNICATION,
            justification="No scored answer to judge communication on.",
        )
    values = [q.communication for q in rated if q.communication is not None]
    best = sorted(rated, key=lambda q: (-(q.communication or 0), q.number))
    return SkillReport(
        skill=COMMUNICATION,
        score=to_ten(_mean(values)),
        questions=[q.number for q in rated],
        justification=f"Mean clarity of {_refs(rated)} "
        f"({', '.join(f'{v}/5' for v in values)}) mapped to 0-10.",
        evidence=[q.evidence[0] for q in best if q.evidence][:2],
    )


def overall_of(
    questions: list[QuestionReport],
    skills: list[SkillReport],
    candidate: str = "",
    flagged: int = 0,
) -> Overall:
    """The overall score, recommendation, summary, strengths and concerns (rules 3-6)."""
    scored = [q for q in questions if q.status == "scored" and q.score is not None]
    scores = [q.score for q in scored if q.score is not None]
    planned = len(questions)
    weak_core = [
        s
        for s in skills
        if s.skill != COMMUNICATION and s.score is not None and s.score < CORE_SKILL_FLOOR
    ]
    score: float | None = to_overall(_mean(scores)) if scores else None
    capped = False
    if score is not None and weak_core and score > CORE_CAP_OVERALL:
        score, capped = CORE_CAP_OVERALL, True
    if score is None or planned == 0 or len(scored) < math.ceil(planned / 2):
        recommendation: Recommendation = "insufficient_evidence"
    else:
        recommendation = band(score)
        if weak_core and _ORDER.index(recommendation) > _ORDER.index("lean_no_hire"):
            recommendation = "lean_no_hire"
    return Overall(
        score=score,
        recommendation=recommendation,
        summary=_summary(
            questions, scores, score, recommendation, weak_core, capped, candidate, flagged
        ),
        strengths=[_line(q) for q in scored if (q.score or 0) >= 4],
        concerns=_concerns(questions, skills, weak_core, flagged),
    )


def _quote(evidence: list[Evidence]) -> str:
    if not evidence:
        return ""
    text = evidence[0].quote
    return f' "{text if len(text) <= 160 else text[:159] + "…"}"'


def _where(q: QuestionReport) -> str:
    return f"Q{q.number} ({q.stage}{', ' + q.skill if q.skill else ''})"


def _line(q: QuestionReport) -> str:
    gap = ", admitted a knowledge gap" if q.admitted_gap else ""
    return f"{_where(q)}: {q.score}/5{gap}.{_quote(q.evidence)}"


def _concerns(
    questions: list[QuestionReport],
    skills: list[SkillReport],
    weak_core: list[SkillReport],
    flagged: int,
) -> list[str]:
    concerns = [_line(q) for q in questions if q.status == "scored" and (q.score or 0) <= 2]
    concerns += [
        f"{_where(q)}: not enough verifiable evidence to score."
        for q in questions
        if q.status == "insufficient_evidence"
    ]
    unanswered = [q for q in questions if q.status == "not_answered"]
    if unanswered:
        concerns.append(f"Not answered: {_refs(unanswered)}.")
    concerns += [f"Core skill {s.skill} scored {s.score}/10." for s in weak_core]
    concerns += [
        f"{s.skill}: {s.justification}"
        for s in skills
        if s.skill != COMMUNICATION and s.score is None
    ]
    if flagged:
        concerns.append(f"{flagged} message(s) flagged by the cheat detector: review them.")
    return concerns


def _summary(
    questions: list[QuestionReport],
    scores: list[int],
    score: float | None,
    recommendation: Recommendation,
    weak_core: list[SkillReport],
    capped: bool,
    candidate: str,
    flagged: int,
) -> str:
    who = candidate or "The candidate"
    count = {
        s: sum(q.status == s for q in questions)
        for s in ("scored", "insufficient_evidence", "not_answered")
    }
    text = (
        f"{who}: {len(questions)} main question(s); {count['scored']} scored, "
        f"{count['insufficient_evidence']} without enough evidence, "
        f"{count['not_answered']} not answered."
    )
    if scores:
        text += (
            f" Mean question score {_mean(scores):.2f}/5, overall {score}/10: "
            f"{recommendation.replace('_', ' ')}."
        )
    else:
        text += " No answer could be scored: insufficient evidence for a recommendation."
    if weak_core:
        names = ", ".join(f"{s.skill} ({s.score}/10)" for s in weak_core)
        text += f" Core-skill cap applied for {names}" + (
            f": overall capped at {CORE_CAP_OVERALL}." if capped else "."
        )
    if flagged:
        text += f" {flagged} message(s) flagged for a human to review."
    return text
