"""The stage table (graph/stages.py) is the one place stages are listed: what reads it, and the
few places that cannot read it but must agree with it."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import TypeAdapter, ValidationError

import graph.state
import graph.text
from api.web import mount_web
from devkit.graph_driver import start, state_of
from graph import prompts, stages
from graph.context import Context
from graph.evaluation.transcript import QuestionTranscript
from graph.graph import build_graph
from graph.stages import (
    FOLLOW_UP_KINDS,
    Fixed,
    HiringTeamCount,
    HiringTeamQuestions,
    OperatorCount,
    QuestionNode,
    StagePlanError,
    StageSpec,
    check,
)
from graph.state import InterviewSettings, State
from graph.tasks import Plan, ReplyTask

REPO = Path(__file__).resolve().parents[2]


def test_the_stages_run_welcome_personal_main_stages_closing_done() -> None:
    assert stages.names() == [
        "welcome",
        "personal",
        "behavioral",
        "technical",
        "custom",
        "closing",
        "done",
    ]
    assert stages.main_names() == ["behavioral", "technical", "custom"]
    assert stages.reply_kinds() == [
        "welcome",
        "personal",
        "behavioral",
        "technical",
        "custom",
        "closing",
        "follow_up",
        "redirect",
    ]


@pytest.mark.parametrize("row", stages.rows(), ids=lambda row: row.name)
def test_every_stage_that_speaks_has_its_prompt_file_and_its_node(row: StageSpec) -> None:
    if row.prompt is not None:
        assert (prompts.PROMPTS_DIR / f"{row.prompt}.md").is_file()
    if row.node is not None:
        assert row.node in build_graph().get_graph().nodes


def test_every_main_stage_is_asked_by_a_question_node_the_routes_know() -> None:
    assert {row.node for row in stages.main_stages()} <= set(get_args(QuestionNode))


def test_every_count_names_a_field_that_exists() -> None:
    for row in stages.rows():
        count = row.count
        if isinstance(count, HiringTeamCount | HiringTeamQuestions):
            assert count.field in InterviewSettings.model_fields, row.name
        if isinstance(count, OperatorCount):
            assert count.field in Context.model_fields, row.name
            assert count.kept_in in {f.name for f in dataclasses.fields(State)}, row.name


async def test_the_interview_keeps_every_operator_count_it_began_with() -> None:
    graph = build_graph(checkpointer=InMemorySaver())
    operator = [row.count for row in stages.rows() if isinstance(row.count, OperatorCount)]
    assert operator, "the personal questions come from the operator"
    context = Context(llm="offline", **{count.field: 2 for count in operator})
    await start(graph, "t", InterviewSettings(technical_questions=1), context)
    state = await state_of(graph, "t")
    assert all(getattr(state, count.kept_in) == 2 for count in operator)
    assert stages.planned_counts(state) == {
        "personal": 2,
        "behavioral": 3,
        "technical": 1,
        "custom": 0,
    }


def test_the_main_counts_make_the_expected_questions() -> None:
    settings = InterviewSettings(
        behavioral_questions=2, technical_questions=4, custom_questions=["a?", "b?", "c?"]
    )
    assert settings.total_expected_questions == 2 + 4 + 3
    assert stages.counts_for(settings) == {
        "personal": 1,
        "behavioral": 2,
        "technical": 4,
        "custom": 3,
    }


def test_a_plan_counts_by_stage_name() -> None:
    assert Plan().counts == {"personal": 1}
    assert Plan(technical=3).counts == {"personal": 1, "technical": 3}
    assert Plan(technical=3).count("custom") == 0
    assert Plan(counts={"behavioral": 2}, skills=["go"]).counts == {"behavioral": 2}


def test_stage_names_are_checked_against_the_table() -> None:
    for kind in stages.reply_kinds():
        assert ReplyTask(kind=kind).kind == kind
    with pytest.raises(ValidationError, match="unknown reply kind 'done'"):
        ReplyTask(kind="done")
    with pytest.raises(ValidationError, match="unknown main stage 'personal'"):
        QuestionTranscript(number=1, stage="personal", question="Why us?")
    schema = TypeAdapter(graph.state.Stage).json_schema()
    assert schema == {"type": "string", "enum": stages.names()}


def _row(**fields: object) -> StageSpec:
    base: dict[str, object] = {
        "name": "extra",
        "label": "Extra",
        "prompt": "extra",
        "count": Fixed(1),
        "main": True,
        "noun": "extra question",
    }
    return StageSpec(**(base | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (_row(name="technical"), "unique"),
        (_row(name="redirect"), "follow-up reply kinds"),
        (_row(topic="skill"), "only one stage may take the skills"),
        (_row(node=None), "needs a node"),
        (_row(prompt=None), "speaks from the stage's prompt"),
        (_row(count=None), "a main count comes from the settings or is fixed"),
        (_row(count=OperatorCount("personal_questions", "personal_planned")), "a main count"),
        (_row(noun="extra"), "say 'question' once"),
        (_row(follow_up="redirect_only"), "only be off topic if it has a topic"),
        (_row(count=HiringTeamQuestions("custom_questions"), topic="work"), "no topic of ours"),
    ],
)
def test_a_table_that_contradicts_itself_is_refused(row: StageSpec, error: str) -> None:
    with pytest.raises(StagePlanError, match=re.escape(error)):
        check((*stages.STAGES, row))
    check((*stages.STAGES, _row()))


def test_the_follow_up_kinds_have_prompts_of_their_own() -> None:
    for kind in FOLLOW_UP_KINDS:
        assert stages.prompt_of(kind) == kind
        assert (prompts.PROMPTS_DIR / f"{kind}.md").is_file()


def test_the_admin_console_takes_the_stage_names_from_the_table() -> None:
    app = FastAPI()
    mount_web(app)
    response = TestClient(app).get("/app/stages.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    match = re.search(r"export const STAGES = Object\.freeze\((.*)\);", response.text)
    assert match is not None
    assert json.loads(match.group(1)) == [
        {"name": row.name, "label": row.label, "main": row.main} for row in stages.rows()
    ]
    admin = (REPO / "api" / "web" / "admin.js").read_text(encoding="utf-8")
    assert 'from "./stages.js"' in admin
    for row in stages.rows():
        mapped = re.search(rf'\b{row.name}"?\s*:\s*"{row.label}"', admin)
        assert mapped is None, f"admin.js maps {row.name} to its label itself"


def test_the_api_document_lists_the_stages_of_the_table() -> None:
    doc = " ".join((REPO / "docs" / "API.md").read_text(encoding="utf-8").split())
    match = re.search(r"`stage` is one of created, ([a-z_, ]+)\.", doc)
    assert match is not None
    assert match.group(1).split(", ") == stages.names()


def test_the_dead_helpers_stay_gone() -> None:
    # Nothing called them: shares_topic lost to is_off_topic, FollowUpPolicy to Context.follow_up.
    assert not hasattr(graph.text, "shares_topic")
    assert not hasattr(graph.state, "FollowUpPolicy")
