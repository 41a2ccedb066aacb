"""Aggregation, in code: how question scores make skill scores, the overall and the verdict.

Only the questions' statuses and scores (1-5) enter, so the same per-question scores always give
the same skills, overall and recommendation, whoever proposed them. A question met with a
non-answer is scored (the lowest anchor, 1/5), so silence never scores better than a wrong
answer; a question never reached, or left without a reply when the interview ended, is not a
score at all.

1. A skill of the settings scores the mean of its scored technical questions, mapped linearly
   from 1-5 to 0-10: ``(mean - 1) * 2.5``. No scored question: null, with the reason (no
   technical question was planned on it, the interview ended before its question, or its
   answers could not be scored).
2. Communication is the mean of the scored questions' communication scores, mapped the same way.
3. The overall is the mean of every scored main question (each weighs the same), mapped from
   1-5 to 1-10: ``1 + (mean - 1) * 2.25``. No scored question: null.
4. Core-skill cap: every skill in the settings is a core skill; if one scored below 3.0/10
   (its questions averaged under 2.2/5), the overall is capped at 4.0 and the recommendation at
   `lean_no_hire`.
5. Coverage cap: a skill of the settings that no scored question covered caps the
   recommendation at `hire` (never `strong_hire` on evidence that skipped a listed skill); the
   report names the skill and why.
6. The recommendation is `insufficient_evidence` only when the *interview* gave too little:
   fewer than half the planned main questions reached (replied to) or scored, or none planned.
   Otherwise by the (capped) overall: 8.5 and above `strong_hire`, 7.0 `hire`, 5.5 `lean_hire`,
   4.0 `lean_no_hire`, below `no_hire`.
7. Integrity signals never change a score: they are listed for a human to judge.

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
    UncoveredSkill,
)
from graph.evaluation.understanding import NON_ANSWERS

CORE_SKILL_FLOOR = 3.0
CORE_CAP_OVERALL = 4.0
COVERAGE_CAP: Recommendation = "hire"
"""The best recommendation while a listed skill was not covered (rule 5)."""
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


def _unique(skills: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for skill in (s.strip() for s in skills):
        if skill:
            seen.setdefault(skill.casefold(), skill)
    return list(seen.values())


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
        planned_technical = sum(stages.topic_of(q.stage) == "skill" for q in questions)
        if scored:
            scores = [q.score for q in scored if q.score is not None]
            score: float | None = to_ten(_mean(scores))
            justification = (
                f"Mean of {_refs(scored)} ({', '.join(f'{s}/5' for s in scores)}) mapped to 0-10."
            )
        elif asked:
            score = None
            justification = f"Not covered: asked in {_refs(asked)}, but no reply could be scored."
        elif on_skill:
            score = None
            justification = (
                f"Not covered: the interview ended before its question ({_refs(on_skill)})."
            )
        else:
            score = None
            justification = (
                "Not covered: no technical question was planned on it "
                f"({len(_unique(skills))} skills listed, {planned_technical} technical "
                "question(s) planned)."
            )
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


def _reached(questions: list[QuestionReport]) -> list[QuestionReport]:
    """The questions the candidate replied to (scored, or left without verifiable evidence)."""
    return [q for q in questions if q.status in ("scored", "insufficient_evidence")]


def overall_of(
    questions: list[QuestionReport],
    skills: list[SkillReport],
    candidate: str = "",
    flagged: int = 0,
) -> Overall:
    """The overall score, recommendation, summary, strengths and concerns (rules 3-7)."""
    scored = [q for q in questions if q.status == "scored" and q.score is not None]
    scores = [q.score for q in scored if q.score is not None]
    planned = len(questions)
    reached = _reached(questions)
    weak_core = [
        s
        for s in skills
        if s.skill != COMMUNICATION and s.score is not None and s.score < CORE_SKILL_FLOOR
    ]
    uncovered = [
        UncoveredSkill(skill=s.skill, reason=s.justification)
        for s in skills
        if s.skill != COMMUNICATION and s.score is None
    ]
    score: float | None = to_overall(_mean(scores)) if scores else None
    capped = False
    if score is not None and weak_core and score > CORE_CAP_OVERALL:
        score, capped = CORE_CAP_OVERALL, True
    half = math.ceil(planned / 2)
    if score is None or planned == 0 or len(reached) < half or len(scored) < half:
        recommendation: Recommendation = "insufficient_evidence"
    else:
        recommendation = band(score)
        if weak_core and _ORDER.index(recommendation) > _ORDER.index("lean_no_hire"):
            recommendation = "lean_no_hire"
        if uncovered and _ORDER.index(recommendation) > _ORDER.index(COVERAGE_CAP):
            recommendation = COVERAGE_CAP
    return Overall(
        score=score,
        recommendation=recommendation,
        summary=_summary(
            questions, scores, score, recommendation, weak_core, capped, candidate, flagged
        )
        + _coverage_note(uncovered, recommendation),
        strengths=[_line(q) for q in scored if (q.score or 0) >= 4],
        concerns=_concerns(questions, skills, weak_core, flagged),
        planned=planned,
        reached=len(reached),
        uncovered_skills=uncovered,
    )


def _coverage_note(uncovered: list[UncoveredSkill], recommendation: Recommendation) -> str:
    if not uncovered:
        return ""
    names = ", ".join(u.skill for u in uncovered)
    if recommendation == "insufficient_evidence":
        return f" Not covered: {names}."
    return (
        f" Not covered: {names}; the recommendation is capped at {COVERAGE_CAP.replace('_', ' ')}"
        " until a question covers every listed skill."
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
    if q.non_answer is not None:
        gap = f", no answer ({NON_ANSWERS[q.non_answer]})"
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
        concerns.append(f"Asked, no reply before the interview ended: {_refs(unanswered)}.")
    unreached = [q for q in questions if q.status == "not_reached"]
    if unreached:
        concerns.append(f"Not reached: {_refs(unreached)}.")
    concerns += [f"Core skill {s.skill} scored {s.score}/10." for s in weak_core]
    concerns += [
        f"Skill {s.skill}: {s.justification}"
        for s in skills
        if s.skill != COMMUNICATION and s.score is None
    ]
    concerns += [
        f"{_where(q)}: the judge's runs disagree ({', '.join(map(str, q.judge_scores))}/5): "
        "a human should look."
        for q in questions
        if q.disagreement
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
        for s in ("scored", "insufficient_evidence", "not_answered", "not_reached")
    }
    silent = sum(q.non_answer is not None for q in questions)
    text = (
        f"{who}: {len(questions)} main question(s); {count['scored']} scored"
        f" ({silent} of them non-answers, at the lowest anchor), "
        f"{count['insufficient_evidence']} without enough evidence, "
        f"{count['not_answered']} asked without a reply, {count['not_reached']} not reached."
    )
    reached = count["scored"] + count["insufficient_evidence"]
    if scores:
        text += f" Mean question score {_mean(scores):.2f}/5, overall {score}/10: "
        text += (
            f"{recommendation.replace('_', ' ')}."
            if recommendation != "insufficient_evidence"
            else f"insufficient evidence: the interview reached {reached} of {len(questions)} "
            "planned questions, under half."
            if reached < math.ceil(len(questions) / 2)
            else f"insufficient evidence: only {len(scores)} of {len(questions)} planned "
            "questions could be scored."
        )
    else:
        text += " No reply could be scored: insufficient evidence for a recommendation."
    if weak_core:
        names = ", ".join(f"{s.skill} ({s.score}/10)" for s in weak_core)
        text += f" Core-skill cap applied for {names}" + (
            f": overall capped at {CORE_CAP_OVERALL}." if capped else "."
        )
    if flagged:
        text += f" {flagged} message(s) flagged for a human to review."
    return text
