"""`make calibrate`: the evaluators' scores against the golden set (calibration/golden_set.json).

Each pair of the set becomes a one-answer main question (the question as asked, its stage and
skill) and goes through the evaluator's own path: the classification of the transcript, the
proposer (the offline heuristic; the Groq judge too when GROQ_API_KEY is set), and the code's
checks (graph.evaluation.evidence). The figures compare the checked score with the rater's:
exact agreement, agreement within one point, Spearman's rho (average ranks for ties), and the
confusion table (rows: the rater; columns: the evaluator; `-` an item left unscored).

The evaluator never reads the golden set: its rubrics are the rater's, and a test
(tests/unit/test_calibration.py) keeps the rater's words out of the scorer's code and data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.evaluation import heuristic
from graph.evaluation.evidence import check_question
from graph.evaluation.transcript import QuestionTranscript
from graph.state import MainStage

GOLDEN_SET = Path(__file__).resolve().parent.parent / "calibration" / "golden_set.json"
STAGES: dict[str, MainStage] = {
    "behavioral": "behavioral",
    "technical": "technical",
    "custom": "custom",
}
TARGET_RHO = 0.75
TARGET_WITHIN_ONE = 0.85


@dataclass(frozen=True)
class Pair:
    id: str
    kind: str
    skill: str | None
    label: str
    question: str
    answer: str
    score: int


def load_pairs(path: Path = GOLDEN_SET) -> list[Pair]:
    data = json.loads(path.read_text(encoding="utf-8"))
    questions = {q["id"]: q for q in data["questions"]}
    return [
        Pair(
            id=p["id"],
            kind=p["kind"],
            skill=p.get("skill"),
            label=p["label"],
            question=questions[p["question_id"]]["question"],
            answer=p["answer"],
            score=int(p["score"]),
        )
        for p in data["pairs"]
    ]


def transcript_of(pair: Pair) -> QuestionTranscript:
    """The pair as the evaluator sees a main question answered once."""
    question = QuestionTranscript(
        number=1, stage=STAGES[pair.kind], skill=pair.skill, question=pair.question
    )
    question.answer(turn=3, text=pair.answer, follow_up=0)
    return question


def score_offline(question: QuestionTranscript) -> int | None:
    proposal = heuristic.assess(question) if question.answered else None
    return check_question(question, proposal).score


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rho: Pearson's correlation of the ranks (ties take their average rank)."""
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


@dataclass(frozen=True)
class Figures:
    evaluator: str
    n: int
    unscored: int
    exact: float
    within_one: float
    rho: float
    confusion: dict[int, dict[str, int]]

    def table(self) -> str:
        columns = ["1", "2", "3", "4", "5", "-"]
        lines = [
            f"## {self.evaluator}",
            "",
            f"pairs {self.n}, unscored {self.unscored}; exact agreement {self.exact:.1%}, "
            f"within one {self.within_one:.1%}, Spearman's rho {self.rho:.3f}",
            "",
            "| rater \\ evaluator | " + " | ".join(columns) + " |",
            "| --- |" + " --- |" * len(columns),
        ]
        for rater in range(1, 6):
            row = self.confusion[rater]
            lines.append(f"| {rater} | " + " | ".join(str(row[c]) for c in columns) + " |")
        return "\n".join(lines)


def figures(evaluator: str, pairs: list[Pair], scores: list[int | None]) -> Figures:
    confusion = {r: dict.fromkeys(["1", "2", "3", "4", "5", "-"], 0) for r in range(1, 6)}
    for pair, got in zip(pairs, scores, strict=True):
        confusion[pair.score]["-" if got is None else str(got)] += 1
    # An unscored item counts as disagreeing; for rho it takes the lowest score.
    filled = [1 if s is None else s for s in scores]
    rater = [p.score for p in pairs]
    n = len(pairs)
    return Figures(
        evaluator=evaluator,
        n=n,
        unscored=sum(s is None for s in scores),
        exact=sum(s == r for s, r in zip(scores, rater, strict=True)) / n,
        within_one=sum(
            s is not None and abs(s - r) <= 1 for s, r in zip(scores, rater, strict=True)
        )
        / n,
        rho=spearman([float(x) for x in filled], [float(x) for x in rater]),
        confusion=confusion,
    )


def offline_figures(pairs: list[Pair]) -> Figures:
    return figures(heuristic.GENERATED_BY, pairs, [score_offline(transcript_of(p)) for p in pairs])


async def _groq_scores(pairs: list[Pair]) -> tuple[str, list[int | None]]:
    """The LLM judge's checked scores (its runs combined, as in a report), and its model."""
    from graph.context import Context
    from graph.evaluation import judge
    from graph.llm import describe
    from graph.state import InterviewSettings

    context = Context(llm="groq")
    settings = InterviewSettings()
    questions = [transcript_of(p) for p in pairs]
    numbered = [q.model_copy(update={"number": i + 1}) for i, q in enumerate(questions)]
    proposals, _ = await judge.propose_all(numbered, settings, context)
    scores = [check_question(q, proposals.get(q.number)).score for q in numbered]
    return describe(context).model, scores


def _disagreements(pairs: list[Pair], scores: list[int | None]) -> list[str]:
    return [
        f"- {p.id} ({p.label}): rater {p.score}, evaluator {s if s is not None else '-'}"
        for p, s in zip(pairs, scores, strict=True)
        if s is None or abs(s - p.score) > 1
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", type=Path, default=GOLDEN_SET)
    parser.add_argument("--show", action="store_true", help="list the pairs off by more than one")
    args = parser.parse_args(argv)
    pairs = load_pairs(args.golden)
    scores = [score_offline(transcript_of(p)) for p in pairs]
    offline = figures(heuristic.GENERATED_BY, pairs, scores)
    print(offline.table())
    if args.show:
        print("\n".join(_disagreements(pairs, scores)))
    met = offline.rho >= TARGET_RHO and offline.within_one >= TARGET_WITHIN_ONE
    print(
        f"\ntargets (offline): rho >= {TARGET_RHO}, within one >= {TARGET_WITHIN_ONE:.0%}: "
        + ("met" if met else "NOT met")
    )
    if os.environ.get("GROQ_API_KEY"):
        model, groq = asyncio.run(_groq_scores(pairs))
        print()
        print(figures(f"groq ({model})", pairs, groq).table())
    else:
        print("\nGroq evaluator: skipped (GROQ_API_KEY is not set).")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
