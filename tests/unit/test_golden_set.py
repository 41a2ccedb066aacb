"""The calibration golden set (calibration/golden_set.json): its shape and the constraints it
promises, so an edit that breaks them (a renumbered id, a non-answer scored 2, a bank question
reworded) fails here rather than silently skewing `make calibrate`.

The scores themselves are human judgement; these tests pin only what can be checked mechanically.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "calibration" / "golden_set.json"
BANK = ROOT / "graph" / "llm" / "offline" / "question_bank.json"
SKILLS = ROOT / "graph" / "skills.json"

KINDS = {"behavioral", "technical", "custom"}
SCORES = (1, 2, 3, 4, 5)
# What the issue calls a non-answer: always the lowest anchor, whatever the question.
NON_ANSWERS = {"gap", "pass", "off_topic", "one_word", "injection"}
# The hard cases the golden set must hold at least once each.
HARD_CASES = {
    "gap",
    "pass",
    "off_topic",
    "one_word",
    "vague",
    "neighbour",
    "short_correct",
    "templated",
    "detailed",
    "non_native",
    "mixed",
    "hedged",
}
GAP_PHRASINGS = ("i don't know", "dunno", "no idea", "never used it", "i'd have to look that up")
WHOLE_IDENTIFIERS = ("requests.get", "customer_id", "EXPLAIN ANALYZE")
MIN_PAIRS = 60
MIN_PER_SCORE = 8


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return _load(GOLDEN)


@pytest.fixture(scope="module")
def bank() -> dict[str, Any]:
    # The offline interviewer's phrasings (behavioral, personal, general questions) and the
    # technical questions per skill, which live with the skills.
    return _load(BANK) | {"technical": _load(SKILLS)["technical"]}


@pytest.fixture(scope="module")
def questions(golden: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in golden["questions"]}


@pytest.fixture(scope="module")
def pairs(golden: dict[str, Any]) -> list[dict[str, Any]]:
    return list(golden["pairs"])


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'./:()@-]+", text)


def test_golden_set_has_the_documented_top_level_shape(golden: dict[str, Any]) -> None:
    assert golden["format"] == "interview-golden-set"
    assert isinstance(golden["version"], int) and golden["version"] >= 1
    assert set(golden["scale"]) == {str(s) for s in SCORES}
    assert all(isinstance(text, str) and text.strip() for text in golden["scale"].values())
    for name, label in golden["labels"].items():
        assert label["meaning"].strip(), name
        assert label["scores"] and set(label["scores"]) <= set(SCORES), name


def test_question_and_pair_ids_are_unique(
    golden: dict[str, Any], pairs: list[dict[str, Any]]
) -> None:
    question_ids = [q["id"] for q in golden["questions"]]
    pair_ids = [p["id"] for p in pairs]
    assert [i for i, n in Counter(question_ids).items() if n > 1] == []
    assert [i for i, n in Counter(pair_ids).items() if n > 1] == []
    assert not set(question_ids) & set(pair_ids)
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in question_ids + pair_ids)


def test_every_question_carries_a_full_rubric(questions: dict[str, dict[str, Any]]) -> None:
    for qid, question in questions.items():
        assert question["kind"] in KINDS, qid
        assert question["question"].strip(), qid
        rubric = question["rubric"]
        assert set(rubric["anchors"]) == {str(s) for s in SCORES}, qid
        assert all(a.strip() for a in rubric["anchors"].values()), qid
        for field in ("concepts", "neighbours"):
            assert rubric[field], f"{qid}: no {field}"
            for concept in rubric[field]:
                assert concept["name"].strip(), qid
                aliases = concept["aliases"]
                assert aliases and all(isinstance(a, str) and a.strip() for a in aliases), qid
                assert len({a.lower() for a in aliases}) == len(aliases), f"{qid}: repeated alias"


def test_bank_questions_are_quoted_verbatim_and_custom_ones_are_not_from_the_bank(
    questions: dict[str, dict[str, Any]], bank: dict[str, Any]
) -> None:
    every_bank_question = set(bank["behavioral"]) | set(bank["personal"]) | set(bank["general"])
    for skill_questions in bank["technical"].values():
        every_bank_question |= set(skill_questions)
    for qid, question in questions.items():
        text = question["question"]
        if question["kind"] == "technical":
            assert question["skill"] in bank["technical"], qid
            assert text in bank["technical"][question["skill"]], qid
        elif question["kind"] == "behavioral":
            assert question["skill"] is None, qid
            assert text in bank["behavioral"], qid
        else:
            assert question["skill"] is None, qid
            assert text not in every_bank_question, qid


def test_question_counts_per_kind_and_skill(questions: dict[str, dict[str, Any]]) -> None:
    kinds = Counter(q["kind"] for q in questions.values())
    skills = {q["skill"] for q in questions.values() if q["kind"] == "technical"}
    assert kinds["behavioral"] >= 4
    assert kinds["custom"] >= 3
    assert len(skills) >= 6
    for group in (
        {"python"},
        {"sql"},
        {"javascript", "react"},
        {"system design"},
        {"docker", "kubernetes"},
        {"testing", "git"},
    ):
        assert skills & group, f"no technical question on {sorted(group)}"


def test_pairs_point_at_their_question_and_repeat_its_kind_and_skill(
    questions: dict[str, dict[str, Any]], pairs: list[dict[str, Any]], golden: dict[str, Any]
) -> None:
    assert len(pairs) >= MIN_PAIRS
    for pair in pairs:
        question = questions[pair["question_id"]]
        assert pair["kind"] == question["kind"], pair["id"]
        assert pair["skill"] == question["skill"], pair["id"]
        assert pair["label"] in golden["labels"], pair["id"]
        assert pair["answer"].strip(), pair["id"]
        assert pair["why"].strip() and "\n" not in pair["why"], pair["id"]
    per_question = Counter(p["question_id"] for p in pairs)
    assert set(per_question) == set(questions)
    assert all(3 <= n <= 6 for n in per_question.values()), per_question


def test_scores_are_integers_from_one_to_five_and_each_is_used_often(
    pairs: list[dict[str, Any]],
) -> None:
    for pair in pairs:
        # bool is an int in Python; a true/false score is a typo, not a 1 or a 0.
        assert type(pair["score"]) is int and pair["score"] in SCORES, pair["id"]
    counts = Counter(p["score"] for p in pairs)
    assert all(counts[s] >= MIN_PER_SCORE for s in SCORES), counts


def test_each_question_spans_the_scale(
    questions: dict[str, dict[str, Any]], pairs: list[dict[str, Any]]
) -> None:
    for qid in questions:
        scores = [p["score"] for p in pairs if p["question_id"] == qid]
        assert max(scores) - min(scores) >= 3, f"{qid}: {scores}"


def test_every_non_answer_scores_one(golden: dict[str, Any], pairs: list[dict[str, Any]]) -> None:
    assert set(golden["non_answer_labels"]) == NON_ANSWERS
    for label in NON_ANSWERS:
        assert golden["labels"][label]["scores"] == [1], label
    wrongly_scored = [p["id"] for p in pairs if p["label"] in NON_ANSWERS and p["score"] != 1]
    assert wrongly_scored == []


def test_every_score_lies_in_its_labels_range(
    golden: dict[str, Any], pairs: list[dict[str, Any]]
) -> None:
    outside = [
        (p["id"], p["label"], p["score"])
        for p in pairs
        if p["score"] not in golden["labels"][p["label"]]["scores"]
    ]
    assert outside == []


def test_the_hard_cases_are_all_present(pairs: list[dict[str, Any]]) -> None:
    labels = {p["label"] for p in pairs}
    assert sorted(HARD_CASES - labels) == []
    gaps = " | ".join(p["answer"].lower() for p in pairs if p["label"] == "gap")
    assert [g for g in GAP_PHRASINGS if g not in gaps] == []
    assert any("skip" in p["answer"].lower() for p in pairs if p["label"] == "pass")
    for pair in pairs:
        if pair["label"] == "one_word":
            assert len(_words(pair["answer"])) == 1, pair["id"]
        if pair["label"] == "short_correct":
            assert len(_words(pair["answer"])) <= 35, pair["id"]
    detailed = " ".join(p["answer"] for p in pairs if p["label"] == "detailed")
    assert [i for i in WHOLE_IDENTIFIERS if i not in detailed] == []


def test_scores_order_answers_as_the_issue_requires(
    questions: dict[str, dict[str, Any]], pairs: list[dict[str, Any]]
) -> None:
    """Within one question: detailed > short on-topic > every non-answer, and an off-topic
    sentence added to an answer never raises its score."""
    for qid in questions:
        answers = [p for p in pairs if p["question_id"] == qid]
        non_answers = [p["score"] for p in answers if p["label"] in NON_ANSWERS]
        short = [p["score"] for p in answers if p["label"] == "short_correct"]
        detailed = [p["score"] for p in answers if p["label"] == "detailed"]
        on_topic = [p["score"] for p in answers if p["label"] not in NON_ANSWERS]
        if non_answers and on_topic:
            assert max(non_answers) <= min(on_topic), qid
        if short and non_answers:
            assert min(short) > max(non_answers), qid
        if short and detailed:
            assert min(detailed) > max(short), qid
        for mixed in (p for p in answers if p["label"] == "mixed"):
            bases = [
                p
                for p in answers
                if p is not mixed and mixed["answer"].startswith(p["answer"].rstrip())
            ]
            assert bases, f"{mixed['id']}: no answer it extends"
            assert all(mixed["score"] <= b["score"] for b in bases), mixed["id"]
