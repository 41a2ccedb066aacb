"""`LeanChatGroq`: ChatGroq with one LangChain chunk per read, against the Groq-protocol stub.

The lean reader must give exactly what `ChatGroq` gives (text, usage, finish reason, errors),
with fewer chunks: that is the whole point, and the only difference.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import groq
import httpx
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_groq import ChatGroq

from devkit.groq_server import MODEL_ID, GroqStubServer, StubConfig
from graph.llm.groq.stream import LeanChatGroq, SseEvents
from graph.llm.groq.transport import transport_for

PROMPT = [HumanMessage("Tell me about a project you are proud of.")]


@pytest.fixture(scope="module")
def server() -> Iterator[GroqStubServer]:
    with GroqStubServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(server: GroqStubServer) -> Iterator[None]:
    server.reset()
    server.config = StubConfig()
    yield
    server.reset()
    server.config = StubConfig()


@pytest.fixture(params=["lean", "httpx"])
async def http(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """Both transports the service can use (INTERVIEWER_GROQ_HTTP): the same results."""
    async with httpx.AsyncClient(transport=transport_for(request.param)) as client:
        yield client


def _chat(cls: type[ChatGroq], server: GroqStubServer, http: httpx.AsyncClient, **kw: Any) -> Any:
    return cls(
        model=MODEL_ID,
        api_key="test-key",  # type: ignore[arg-type]
        base_url=server.base_url,
        max_retries=0,
        streaming=True,
        http_async_client=http,
        **kw,
    )


async def _chunks(model: ChatGroq) -> list[AIMessageChunk]:
    return [chunk async for chunk in model.astream(PROMPT)]


def _merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    return merged


async def test_lean_stream_gives_the_same_reply_usage_and_finish_reason_as_chatgroq(
    server: GroqStubServer, http: httpx.AsyncClient
) -> None:
    server.config = StubConfig(token_delay=0.002)
    plain = _merge(await _chunks(_chat(ChatGroq, server, http)))
    lean = _merge(await _chunks(_chat(LeanChatGroq, server, http)))
    assert lean.content == plain.content and len(str(lean.content).split()) >= 20
    assert lean.usage_metadata == plain.usage_metadata
    assert plain.usage_metadata is not None
    for key in ("finish_reason", "model_name", "model_provider"):
        assert lean.response_metadata[key] == plain.response_metadata[key], key


async def test_tokens_within_the_read_interval_travel_as_one_chunk_after_the_first(
    server: GroqStubServer, http: httpx.AsyncClient
) -> None:
    server.config = StubConfig(token_delay=0.005, reply_words=40)
    per_token = [c for c in await _chunks(_chat(ChatGroq, server, http)) if c.content]
    gathered = [
        c for c in await _chunks(_chat(LeanChatGroq, server, http, read_interval=0.03)) if c.content
    ]
    assert len(per_token) >= 40
    # 40 tokens 5 ms apart read every 30 ms: about 8 reads (the first token alone).
    assert len(gathered) <= len(per_token) // 3
    assert len(str(gathered[0].content).split()) == 1
    assert "".join(str(c.content) for c in gathered) == "".join(str(c.content) for c in per_token)


async def test_a_stream_cut_mid_body_raises_the_transport_error_as_chatgroq_does(
    server: GroqStubServer, http: httpx.AsyncClient
) -> None:
    server.add_faults([{"cut_after_chunks": 3}])
    with pytest.raises(httpx.RemoteProtocolError):
        await _chunks(_chat(LeanChatGroq, server, http))


async def test_an_error_event_mid_stream_raises_the_same_api_error_as_chatgroq(
    server: GroqStubServer, http: httpx.AsyncClient
) -> None:
    messages = {}
    for name, cls in (("plain", ChatGroq), ("lean", LeanChatGroq)):
        server.add_faults([{"error_after_chunks": 3}])
        received: list[str] = []
        with pytest.raises(groq.APIError) as caught:
            async for chunk in _chat(cls, server, http).astream(PROMPT):
                received.append(str(chunk.content))
        assert len("".join(received).split()) == 3, name  # the tokens before the error
        messages[name] = caught.value.message
    assert messages["lean"] == messages["plain"] and "failed while generating" in messages["lean"]


async def test_an_error_status_is_the_groq_sdk_exception(
    server: GroqStubServer, http: httpx.AsyncClient
) -> None:
    server.add_faults([{"status": 429, "retry_after": 0}])
    with pytest.raises(groq.RateLimitError):
        await _chunks(_chat(LeanChatGroq, server, http))


def test_sse_events_split_across_reads_crlf_and_done() -> None:
    events = SseEvents()
    assert events.feed(b'data: {"a"') == []
    assert events.feed(b': 1}\r\n\r\ndata: {"b": 2}\n\n') == [{"a": 1}, {"b": 2}]
    assert events.feed(b"data: [DONE]\n\n") == [] and events.done
    assert events.feed(b'data: {"c": 3}\n\n') == []


def test_an_error_event_in_the_stream_is_an_api_error() -> None:
    events = SseEvents()
    batch = events.feed(b'event: error\ndata: {"error": {"message": "overloaded"}}\n\n')
    model = LeanChatGroq(model=MODEL_ID, api_key="k")  # type: ignore[arg-type]
    request = httpx.Request("POST", "http://127.0.0.1/x")
    chunk, error = model._chunk_of(batch, {}, request)
    assert chunk is None and isinstance(error, groq.APIError) and "overloaded" in error.message


async def test_the_request_body_on_the_wire_is_exactly_chatgroqs(server: GroqStubServer) -> None:
    bodies: dict[str, Any] = {}

    def recorder(name: str) -> Any:
        async def record(request: httpx.Request) -> None:
            bodies[name] = json.loads(request.content)

        return record

    for name, cls in (("plain", ChatGroq), ("lean", LeanChatGroq)):
        async with httpx.AsyncClient(event_hooks={"request": [recorder(name)]}) as client:
            model = _chat(cls, server, client, temperature=0.3, max_tokens=77, stop=["\n\n\n"])
            await _chunks(model)
    assert bodies["lean"] == bodies["plain"]
    assert bodies["lean"]["messages"][0]["content"] == PROMPT[0].content
