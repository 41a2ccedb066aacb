"""The stub's scripted structured replies (queue, responder, raw and prose answers), through the
real ChatGroq client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langchain_groq import ChatGroq
from pydantic import BaseModel, Field

from devkit.groq_server import MODEL_ID, GroqStubServer

AUTH = {"Authorization": "Bearer test-key"}


class Verdict(BaseModel):
    """A verdict on an answer."""

    score: int = Field(ge=1, le=5, description="1-5")
    quote: str = Field(description="An excerpt of the answer.")
    tags: list[str] = Field(default_factory=list)


@pytest.fixture(scope="module")
def server() -> Iterator[GroqStubServer]:
    with GroqStubServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(server: GroqStubServer) -> Iterator[None]:
    server.reset()
    server.responder = None
    yield
    server.reset()
    server.responder = None


def _model(server: GroqStubServer, **kwargs: Any) -> ChatGroq:
    return ChatGroq(
        model=MODEL_ID,
        api_key="test-key",  # type: ignore[arg-type]
        base_url=server.base_url,
        temperature=0,
        max_retries=0,
        **kwargs,
    )


async def test_queued_arguments_come_back_as_the_tool_call_verbatim(
    server: GroqStubServer,
) -> None:
    invented = "I led the migration of forty services to Kubernetes"
    server.add_structured_replies([{"arguments": {"score": 5, "quote": invented}}])
    structured = _model(server).with_structured_output(Verdict, include_raw=True)
    result: Any = await structured.ainvoke([HumanMessage("Rate: I like cats.")])
    assert result["parsed"] == Verdict(score=5, quote=invented)
    raw = result["raw"]
    assert raw.tool_calls[0]["name"] == "Verdict"
    assert raw.usage_metadata["output_tokens"] == server.stats["completion_tokens_total"] > 0


async def test_without_a_queued_reply_the_schema_gives_a_valid_example(
    server: GroqStubServer,
) -> None:
    structured = _model(server).with_structured_output(Verdict)
    verdict = await structured.ainvoke([HumanMessage("Rate it.")])
    assert verdict == Verdict(score=1, quote="stub", tags=[])


async def test_responder_sees_the_request_and_answers_it(server: GroqStubServer) -> None:
    seen: list[dict[str, Any]] = []

    def responder(body: dict[str, Any]) -> dict[str, Any]:
        seen.append(body)
        return {"arguments": {"score": 3, "quote": body["messages"][-1]["content"][:9]}}

    server.responder = responder
    verdict = await _model(server).with_structured_output(Verdict).ainvoke("Rate: I like cats.")
    assert verdict == Verdict(score=3, quote="Rate: I l")
    assert seen[0]["tool_choice"] == {"type": "function", "function": {"name": "Verdict"}}
    assert seen[0]["temperature"] in (0, 1e-08)


async def test_invalid_json_and_prose_replies_reach_the_parser_as_errors(
    server: GroqStubServer,
) -> None:
    server.add_structured_replies([{"raw": "{not json"}, {"content": "It is a 4."}])
    structured = _model(server).with_structured_output(Verdict, include_raw=True)
    broken: Any = await structured.ainvoke("Rate it.")
    assert broken["parsed"] is None and broken["parsing_error"] is not None
    prose: Any = await structured.ainvoke("Rate it.")
    assert prose["parsed"] is None and prose["raw"].content == "It is a 4."
    assert not prose["raw"].tool_calls


async def test_json_mode_answers_in_the_content(server: GroqStubServer) -> None:
    server.add_structured_replies([{"arguments": {"score": 2, "quote": "cats"}}])
    structured = _model(server).with_structured_output(Verdict, method="json_mode")
    assert await structured.ainvoke("Rate it as JSON.") == Verdict(score=2, quote="cats")


def test_structured_replies_can_be_queued_over_http(server: GroqStubServer) -> None:
    control = f"{server.base_url}/_control/structured"
    assert httpx.post(control, json=[{"arguments": {"score": 4}}]).json() == {
        "structured_pending": 1
    }
    assert httpx.post(control, json=[{"score": 4}]).status_code == 400
    assert server.stats["structured_pending"] == 1
