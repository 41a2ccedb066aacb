"""The rubric format and the shipped rubrics (graph/rubrics.json): typed, complete for the bank,
derived for any other question, never copied from the calibration set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from graph.language.relevance import read_relevance
from graph.language.rubrics import (
    Rubric,
    bank_rubric,
    derive_rubric,
    load_rubric_bank,
    rubric_for,
    skill_concepts,
)
from graph.llm.offline import load_question_bank
from graph.skills import load_skills

ROOT = Path(__file__).resolve().parents[2]


def test_every_banked_question_ships_a_rubric_with_concepts_anchors_and_neighbours() -> None:
    bank = load_rubric_bank()
    technical = [(s, q) for s, qs in load_skills().technical.items() for q in qs]
    behavioral = [("", q) for q in load_question_bank().behavioral]
    for skill, question in technical + behavioral:
        rubric = bank_rubric(question)
        assert rubric is not None, question
        assert rubric.source == "bank" and rubric.question == question
        assert rubric.concepts and rubric.anchors.weak and rubric.anchors.strong
        names = {c.name for c in rubric.concepts}
        assert not names & {c.name for c in rubric.neighbours}, question
        if skill:
            assert rubric.skill == skill and rubric.neighbours, question
    assert len(bank.questions) == len(technical) + len(behavioral)


def test_every_catalogued_skill_has_a_concept_list_with_aliases() -> None:
    for skill in load_skills().technical:
        concepts = skill_concepts(skill)
        assert len(concepts) >= 6, skill
        assert all(c.aliases for c in concepts), skill
    assert skill_concepts("Postgres") == skill_concepts("sql")  # aliases resolve
    assert skill_concepts("Elixir") == ()


def test_rubrics_are_not_copied_from_the_calibration_golden_set() -> None:
    golden = (ROOT / "calibration" / "golden_set.json").read_text(encoding="utf-8")
    ours = json.loads((ROOT / "graph" / "rubrics.json").read_text(encoding="utf-8"))
    anchors = [
        text
        for entry in ours["questions"].values()
        for text in entry["anchors"].values()
        if len(text) > 30
    ]
    assert anchors
    assert not [a for a in anchors if a in golden]


def test_a_rubric_is_typed_and_refuses_a_question_with_no_concept() -> None:
    with pytest.raises(ValidationError):
        Rubric.model_validate(
            {"concepts": [], "anchors": {"weak": "a", "adequate": "b", "strong": "c"}}
        )
    with pytest.raises(ValidationError):
        Rubric.model_validate({"concepts": [{"name": "x"}], "anchors": {"weak": "a"}})
    rubric = Rubric.model_validate(
        {
            "concepts": [{"name": " profiling ", "aliases": ["py-spy", " cProfile "]}],
            "anchors": {"weak": "a", "adequate": "b", "strong": "c"},
        }
    )
    assert rubric.concepts[0].terms == ("profiling", "py-spy", "cProfile")


def test_a_bank_question_is_found_inside_a_reply_that_wraps_it() -> None:
    question = load_skills().technical["go"][0]
    assert bank_rubric(f"Thanks. Moving on.\n\n{question.upper()}") == bank_rubric(question)


def test_a_question_outside_the_bank_gets_its_own_terms_and_the_skills_concepts() -> None:
    rubric = derive_rubric(
        "How would you size the connection pool of a PostgreSQL-backed service?", "sql"
    )
    assert rubric.source == "derived"
    names = [c.name for c in rubric.concepts]
    assert "pool" in names or "connection" in names
    assert {c.name for c in rubric.neighbours} <= {c.name for c in skill_concepts("sql")}
    generic = rubric_for(
        "Walk me through how you would debug a slow query in a SQL project.", "sql"
    )
    assert "slow query diagnosis" in [c.name for c in generic.concepts]


def test_the_hiring_teams_question_keeps_all_its_words_as_concepts() -> None:
    rubric = rubric_for("Are you open to relocating to Berlin?", "", None)
    assert {"relocating", "berlin"} <= {c.name for c in rubric.concepts}
    assert (
        read_relevance("Yes, I would happily relocate to Berlin.", rubric, None).kind == "on_topic"
    )
