"""Adding a field to the evaluation report, as docs/CHANGING.md ("Add a report field") says.

The test does the guide's steps at run time for its example, `answered` (the main questions the
candidate really answered): the field declared with a default and a description (step 1),
filled where the report is assembled (step 2), shown in the Markdown scorecard (step 3), then a
whole offline interview evaluated with it; a report stored before the field existed still reads,
with the default (why the default matters); the field's description reaches the schema the API
serves. Step 4 (the field list of docs/EVALUATION.md) is checked for the real fields by
tests/unit/test_docs.py.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.runtime import Runtime
from pydantic import Field, TypeAdapter

from api import report_types
from api.report_types import FailedReport, PendingReport, Reports
from devkit.candidate import is_final, reply_to
from devkit.graph_driver import answer, start, state_of
from graph.context import Context
from graph.evaluation import graph as evaluation
from graph.evaluation import markdown, nodes, report
from graph.evaluation.state import EvaluationState
from graph.graph import build_graph
from graph.state import InterviewSettings, State

PASS = "Can I pass on this one?"


# Step 1: the field, with a default (reports stored before it existed lack it) and a
# description (it becomes the field's documentation in /openapi.json).
class Report(report.Report):
    answered: int = Field(
        default=0,
        ge=0,
        description="Main questions the candidate really answered (not passed, empty or declined).",
    )


# Step 2: filled where the report is assembled. In the code this is one more keyword of the
# `Report(...)` call in `aggregate_scores` (graph/evaluation/nodes.py).
async def aggregate_scores(state: EvaluationState, runtime: Runtime[Context]) -> dict[str, Any]:
    built = (await nodes.aggregate_scores(state, runtime))["report"]
    answered = sum(q.status == "scored" and q.non_answer is None for q in state.checked)
    return {"report": Report(**dict(built), answered=answered)}


# Step 3: shown to people. In the code, one more line of `render_markdown`
# (graph/evaluation/markdown.py).
def render_markdown(built: report.Report) -> str:
    lines = markdown.render_markdown(built).splitlines()
    if isinstance(built, Report):
        at = next(i for i, line in enumerate(lines) if line.startswith("- Overall:"))
        lines.insert(at + 1, f"- Answered: {built.answered} of {len(built.questions)} questions")
    return "\n".join(lines) + "\n"


class MemoryRepository:
    def __init__(self) -> None:
        self.reports: dict[str, dict[str, Any]] = {}

    async def save_report(self, session_id: str, stored: dict[str, Any]) -> None:
        self.reports[session_id] = stored

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        return self.reports.get(session_id)


async def _finished_interview(passed_on: int) -> State:
    """A whole offline interview (1 behavioral, 2 technical) whose main question number
    `passed_on` the candidate passes on; every other question gets an answer."""
    graph = build_graph(checkpointer=InMemorySaver())
    context = Context(llm="offline")
    settings = InterviewSettings(
        candidate_name="Ana Lopez", behavioral_questions=1, technical_questions=2, skills=["python"]
    )
    text = (await start(graph, "field", settings, context)).text
    for turn in range(1, 40):
        if is_final(text):
            return await state_of(graph, "field")
        state = await state_of(graph, "field")
        main = state.stage in ("behavioral", "technical")
        message = PASS if main and state.questions_asked == passed_on else reply_to(text, turn)
        text = (await answer(graph, "field", message, context)).text
    raise AssertionError("the interview did not finish")


async def test_the_guides_example_field_is_filled_shown_and_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation, "aggregate_scores", aggregate_scores)
    monkeypatch.setattr(nodes, "render_markdown", render_markdown)
    evaluator = evaluation.build_evaluation_graph()

    state = await _finished_interview(passed_on=3)
    result = await evaluator.ainvoke(
        evaluation.evaluation_input(state, "s"), context=Context(llm="offline")
    )

    built = result["report"]
    assert isinstance(built, Report)
    statuses = [q.status for q in built.questions]
    assert statuses == ["scored"] * 3, statuses
    assert [q.non_answer for q in built.questions] == [None, None, "pass"]
    assert built.answered == 2
    assert "- Answered: 2 of 3 questions" in result["markdown"]
    assert built.model_dump(mode="json")["answered"] == 2  # what the store keeps and GET serves
    schema = TypeAdapter(Report).json_schema()
    assert schema["properties"]["answered"]["description"].startswith("Main questions")


async def test_a_report_stored_before_the_field_existed_reads_with_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = TypeAdapter(
        Annotated[PendingReport | FailedReport | Report, Field(discriminator="status")]
    )
    monkeypatch.setattr(report_types, "_STORED", stored)
    repo = MemoryRepository()
    earlier = report.Report(
        session_id="s",
        generated_by="offline-heuristic",
        model="offline-heuristic",
        created_at="2024-05-12T16:01:02+00:00",
        overall=report.Overall(recommendation="insufficient_evidence", summary="None answered."),
    )
    repo.reports["s"] = earlier.model_dump(mode="json")  # as the earlier release stored it

    read = await Reports(repo).get("s")
    assert isinstance(read, Report) and read.answered == 0


async def test_without_a_default_an_earlier_report_cannot_be_read_and_is_made_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Required(report.Report):
        answered: int = Field(ge=0)

    stored = TypeAdapter(
        Annotated[PendingReport | FailedReport | Required, Field(discriminator="status")]
    )
    monkeypatch.setattr(report_types, "_STORED", stored)
    repo = MemoryRepository()
    earlier = report.Report(
        session_id="s",
        generated_by="offline-heuristic",
        model="offline-heuristic",
        created_at="2024-05-12T16:01:02+00:00",
        overall=report.Overall(recommendation="insufficient_evidence", summary="None answered."),
    )
    repo.reports["s"] = earlier.model_dump(mode="json")
    assert await Reports(repo).get("s") is None  # GET /report then evaluates the interview again
