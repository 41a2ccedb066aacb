"""Adding a stage is one row, one prompt file and, only if it speaks differently, one node.

These tests do what docs/CHANGING.md ("Add a stage") tells a developer to do, at run time
instead of in the source: a row goes into the stage table (graph/stages.py), a prompt file into
the prompts directory, and for a stage that speaks differently a node into graph/nodes.py. Then
a whole offline interview runs through the new stage: counted, labelled, asked from its prompt,
announced in the plan, shown to people by its label and grouped by the evaluation transcript.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.runtime import Runtime

from api.web import stages_module
from devkit.candidate import is_final, reply_to
from devkit.graph_driver import answer, start, state_of
from graph import nodes, prompts, stages
from graph.context import Context
from graph.evaluation.transcript import collect_questions
from graph.graph import InterviewGraph, build_graph
from graph.prompts import render_messages
from graph.stages import Fixed, StageSpec
from graph.state import LABEL_KEY, InterviewSettings, State
from graph.tasks import ReplyTask
from graph.workbench import build_task, render

# Step 1: the row. Two system-design questions in every interview, after the technical ones;
# an off-topic answer is brought back once, nothing is probed.
SYSTEM_DESIGN = StageSpec(
    name="system_design",
    label="System design",
    prompt="system_design",
    count=Fixed(2),
    main=True,
    noun="system design question",
    follow_up="redirect_only",
    topic="work",
)

# Step 2: the prompt file, prompts/system_design.md.
SYSTEM_DESIGN_PROMPT = """\
Task: ask system design question {number} of {of}.

Acknowledge the last answer in one short sentence without judging it; before question 1, say in a
few words that you are moving on to system design. Then ask one question on designing a system
the role would build (its parts, how data moves, what fails and how it grows), unlike those
already asked:
<already_asked>
{asked}
</already_asked>

{answer_note}

<job_position>{job_position}</job_position>
<candidate_answer>{last_answer}</candidate_answer>
"""

SETTINGS = InterviewSettings(
    behavioral_questions=1,
    technical_questions=1,
    custom_questions=["Why do you want to join us?"],
    skills=["python"],
    job_position="Backend Engineer",
    candidate_name="Ana",
)


def _with_row(row: StageSpec, after: str) -> tuple[StageSpec, ...]:
    table = list(stages.STAGES)
    table.insert(table.index(stages.stage(after)) + 1, row)
    return tuple(table)


@pytest.fixture
def prompts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped prompts in a folder of the test's own, where a new prompt file can go."""
    folder = tmp_path / "prompts"
    shutil.copytree(prompts.PROMPTS_DIR, folder)
    monkeypatch.setattr(prompts, "PROMPTS_DIR", folder)
    return folder


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[ReplyTask, list[BaseMessage]]]:
    """Every reply task the nodes spoke, with the messages a real LLM would have received."""
    calls: list[tuple[ReplyTask, list[BaseMessage]]] = []

    def recording(task: ReplyTask, overrides: Any = None) -> list[BaseMessage]:
        messages = render_messages(task, overrides)
        calls.append((task, messages))
        return messages

    monkeypatch.setattr(nodes, "render_messages", recording)
    return calls


async def _interview(graph: InterviewGraph, settings: InterviewSettings) -> tuple[list[str], State]:
    context = Context(llm="offline")
    replies = [(await start(graph, "t", settings, context)).text]
    for turn in range(1, 60):
        if is_final(replies[-1]):
            return replies, await state_of(graph, "t")
        replies.append((await answer(graph, "t", reply_to(replies[-1], turn), context)).text)
    raise AssertionError(f"the interview did not end: {replies[-3:]}")


def _questions(state: State) -> list[dict[str, Any]]:
    labels = [m.additional_kwargs.get(LABEL_KEY) or {} for m in state.messages]
    return [label for label in labels if label.get("kind") == "question"]


async def test_a_new_main_stage_is_one_row_and_one_prompt_file(
    monkeypatch: pytest.MonkeyPatch,
    prompts_dir: Path,
    sent: list[tuple[ReplyTask, list[BaseMessage]]],
) -> None:
    monkeypatch.setattr(stages, "STAGES", _with_row(SYSTEM_DESIGN, after="technical"))
    (prompts_dir / "system_design.md").write_text(SYSTEM_DESIGN_PROMPT, encoding="utf-8")

    replies, final = await _interview(build_graph(checkpointer=InMemorySaver()), SETTINGS)

    # Counted: 1 behavioral + 1 technical + 2 system design + 1 custom, in the table's order.
    assert SETTINGS.total_expected_questions == 5
    assert final.stage == "done" and final.questions_asked == final.total_expected_questions == 5
    asked = [(q["stage"], q["number"]) for q in _questions(final)]
    assert asked == [
        ("behavioral", 1),
        ("technical", 2),
        ("system_design", 3),
        ("system_design", 4),
        ("custom", 5),
    ]
    assert nodes.stats_line(final).startswith("Interview progress: 100.0%, Questions asked: 5/5")

    # Asked from its prompt, question n of 2; the plan line announces it in its place.
    spoken = [(task.kind, str(messages[-1].content)) for task, messages in sent]
    design = [text for kind, text in spoken if kind == "system_design"]
    assert [text.splitlines()[0] for text in design] == [
        "Task: ask system design question 1 of 2.",
        "Task: ask system design question 2 of 2.",
    ]
    welcome = next(text for kind, text in spoken if kind == "welcome")
    assert (
        "<plan>questions: 1 on their interest in the role, 1 behavioral, 1 technical (on python),"
        " 2 system design, 1 from the hiring team</plan>"
    ) in welcome

    # The offline interviewer announces it and asks two different questions of its own.
    assert "two system design ones" in replies[0]
    design_questions = [
        m.content
        for m in final.messages
        if (m.additional_kwargs.get(LABEL_KEY) or {}).get("stage") == "system_design"
        and m.type == "ai"
    ]
    assert len(design_questions) == 2 and design_questions[0] != design_questions[1]

    # Its follow-up rule is the row's: answers were heard and not probed.
    assert not any(
        (m.additional_kwargs.get(LABEL_KEY) or {}).get("kind") == "follow_up"
        and (m.additional_kwargs.get(LABEL_KEY) or {}).get("stage") == "system_design"
        for m in final.messages
    )
    assert "system_design answer heard" in [d.reason for d in final.decisions]

    # People see its label; the evaluation groups its questions and answers.
    module = stages_module_rows(await stages_module())
    assert {"name": "system_design", "label": "System design", "main": True} in module
    transcript = collect_questions(final)
    assert [q.stage for q in transcript].count("system_design") == 2
    # Every one was replied to (`answered` now means "scored on content": issue 18 makes the
    # simulated candidate's "I don't know" a non-answer).
    assert all(q.replied for q in transcript if q.stage == "system_design")

    # The prompt workbench renders it as the graph does.
    rendered = render("system_design", build_task("system_design", SETTINGS, number=2))
    assert "Task: ask system design question 2 of 2." in rendered


def stages_module_rows(response: Any) -> list[dict[str, Any]]:
    match = re.search(r"export const STAGES = Object\.freeze\((.*)\);", response.body.decode())
    assert match is not None, response.body
    rows: list[dict[str, Any]] = json.loads(match.group(1))
    return rows


# A stage that speaks differently: a case study read out as written, no LLM. Step 3, its node
# in graph/nodes.py, returning `main_question_asked` so the plan stays whole.
CASE_STUDY = StageSpec(
    name="case_study",
    label="Case study",
    node="ask_case_study",
    count=Fixed(1),
    main=True,
    noun="case study question",
)
CASE = "Our checkout fails for 1% of users after a deploy.\n\nWhere do you look first?"


async def ask_case_study(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Read the case study out as written (no LLM)."""
    stage, _, _ = nodes.next_main_question(state)
    nodes._say(runtime, CASE)
    return nodes.main_question_asked(state, stage, CASE)


async def test_a_stage_that_speaks_differently_adds_one_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stages, "STAGES", _with_row(CASE_STUDY, after="behavioral"))
    node: Callable[..., Any] = ask_case_study
    monkeypatch.setattr(nodes, "ask_case_study", node, raising=False)

    graph = build_graph(checkpointer=InMemorySaver())
    assert "ask_case_study" in graph.get_graph().nodes
    replies, final = await _interview(graph, SETTINGS)

    assert final.questions_asked == final.total_expected_questions == 4
    asked = [(q["stage"], q["number"]) for q in _questions(final)]
    assert asked == [("behavioral", 1), ("case_study", 2), ("technical", 3), ("custom", 4)]
    assert CASE in replies
    assert "one case study one" in replies[0]
    assert [q.question for q in collect_questions(final) if q.stage == "case_study"] == [
        "Where do you look first?"
    ]
