"""The skill catalogue (graph/skills.py): domain data every provider shares, outside the offline
adapter. The follow-up rules read a skill's vocabulary from it whatever model speaks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graph.skills import (
    SkillCatalogue,
    display_name,
    load_skills,
    resolve_skill,
    skill_vocabulary,
    skills_in_text,
)
from graph.state import State
from graph.text import content_words


def test_aliases_and_spellings_resolve_to_catalogued_skills() -> None:
    catalogue = load_skills()
    assert len(catalogue.technical) >= 20
    assert resolve_skill("k8s") == "kubernetes" and resolve_skill("React.js") is not None
    assert resolve_skill("Elixir") is None
    assert display_name("postgresql", resolve_skill("postgresql")) == "PostgreSQL"
    assert skills_in_text("We run Go services on Kubernetes; go live soon.") == ["go", "kubernetes"]


def test_a_skills_vocabulary_is_every_word_of_its_catalogued_questions() -> None:
    questions = load_skills().technical["sql"]
    expected = set().union(*(content_words(q) for q in questions))
    assert skill_vocabulary("sql") == expected
    assert skill_vocabulary("Postgres") == skill_vocabulary(resolve_skill("Postgres") or "")
    assert skill_vocabulary("Elixir") == frozenset()


def test_the_follow_up_rules_take_the_topic_from_the_question_rubric_and_the_skill() -> None:
    # Relevance now comes from rubrics (issue 18): the question's concepts, and the skill's
    # concept list as its neighbours.
    from graph.follow_up import question_rubric

    state = State(stage="technical", current_skill="sql", current_question="How do joins work?")
    rubric = question_rubric(state)
    assert "joins" in [c.name for c in rubric.concepts]
    assert "indexes" in [c.name for c in rubric.neighbours]


def test_a_catalogue_naming_an_unknown_skill_is_refused_at_load() -> None:
    with pytest.raises(ValidationError, match="unknown skills"):
        SkillCatalogue(technical={"sql": ["Why?"]}, aliases={"pg": "postgres"}, skill_names={})
