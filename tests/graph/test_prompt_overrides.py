"""Per-run prompt overrides through the run's context (how Studio tries a prompt before it is
written to prompts/): the override reaches the LLM, the files stay the default."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field

from devkit.graph_driver import start
from graph.context import Context
from graph.graph import build_graph
from graph.state import InterviewSettings


class RecordingModel(GenericFakeChatModel):
    """A scripted chat model that keeps the messages of every request it gets."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def _replies() -> Iterator[AIMessage]:
    for n in itertools.count(1):
        yield AIMessage(content=f"Hello.\n\nWhat is your name, number {n}?")


async def test_a_prompt_override_in_the_context_reaches_the_llm() -> None:
    model = RecordingModel(messages=_replies())
    override = "Greet the candidate for {job_position} in one line and ask their name."
    context = Context(model=model, prompts={"welcome": override})
    graph = build_graph(checkpointer=InMemorySaver())
    await start(graph, "o", InterviewSettings(job_position="Data Engineer"), context)
    system, human = model.seen[0]
    assert str(human.content) == (
        "Greet the candidate for Data Engineer in one line and ask their name."
    )
    assert str(system.content).startswith("You are Mia")  # the file, not overridden


async def test_without_an_override_the_prompt_file_is_used() -> None:
    model = RecordingModel(messages=_replies())
    graph = build_graph(checkpointer=InMemorySaver())
    await start(graph, "o", InterviewSettings(), Context(model=model))
    assert str(model.seen[0][1].content).startswith("Task: open the interview.")


def test_the_override_field_is_in_the_context_schema_studio_shows() -> None:
    schema = Context.model_json_schema()
    prompts = schema["properties"]["prompts"]
    assert prompts["type"] == "object"
    assert prompts["additionalProperties"] == {"type": "string"}
    assert "prompts/<name>.md" in prompts["description"]


def test_overrides_can_come_from_the_environment_as_json(monkeypatch: Any) -> None:
    monkeypatch.setenv("INTERVIEWER_PROMPTS", '{"closing": "Say goodbye to {candidate_name}."}')
    assert Context().prompts == {"closing": "Say goodbye to {candidate_name}."}
