"""The Groq stub server, exercised through the real ``langchain_groq.ChatGroq`` client.

These tests pin both the stub's behaviour and what the real SDK stack (langchain-groq 1.1,
groq 0.37, httpx) does with it, because the service's retry and error handling rely on it:

* 429 / 5xx are retried by the groq SDK (``ChatGroq.max_retries`` is passed straight through),
  honouring ``retry-after`` / ``retry-after-ms`` when 0 < value <= 60 s and ``x-should-retry``.
* A stream cut mid-body is NOT retried and is NOT wrapped in a groq exception: the consumer
  sees the raw ``httpx.RemoteProtocolError``. A non-streaming body cut happens inside the SDK's
  ``send`` and becomes ``groq.APIConnectionError`` (and is retried).
* A client timeout before the response headers is ``groq.APITimeoutError`` (retried); a read
  timeout after them, mid-stream, is a raw ``httpx.ReadTimeout`` (not retried).
* ``ChatGroq``'s default ``request_timeout=None`` turns the SDK's 60 s default timeout off.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

import groq
import httpx
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage
from langchain_groq import ChatGroq
from pydantic import BaseModel, Field

from devkit.groq_server import (
    MODEL_ID,
    GroqStubServer,
    StubConfig,
    count_prompt_tokens,
    prompt_digest,
)

PROMPT = "Tell me about a project you are proud of."
AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture(scope="module")
def server() -> Iterator[GroqStubServer]:
    with GroqStubServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean_server(server: GroqStubServer) -> Iterator[None]:
    server.reset()
    server.config = StubConfig()
    yield
    server.reset()
    server.config = StubConfig()


ChatFactory = Callable[..., ChatGroq]


@pytest.fixture
async def make_chat(server: GroqStubServer) -> AsyncIterator[ChatFactory]:
    """Builds real ChatGroq clients aimed at the stub, and closes their pools afterwards.

    Closing matters: the groq SDK's client closes itself from ``__del__`` on whatever loop is
    running then, which after a per-test loop has closed logs "Event loop is closed".
    """
    made: list[ChatGroq] = []

    def factory(*, max_retries: int = 0, model: str = MODEL_ID, **kwargs: Any) -> ChatGroq:
        chat = ChatGroq(
            model=model,
            api_key="test-key",  # type: ignore[arg-type]
            base_url=server.base_url,
            max_retries=max_retries,
            **kwargs,
        )
        made.append(chat)
        return chat

    yield factory
    for chat in made:
        await chat.async_client._client.close()
        chat.client._client.close()


async def collect(stream: AsyncIterator[AIMessageChunk]) -> list[AIMessageChunk]:
    return [chunk async for chunk in stream]


def merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    return merged


def error_of(exc: groq.APIStatusError) -> dict[str, Any]:
    """The ``error`` object of a Groq error body (the SDK keeps the whole parsed JSON)."""
    assert isinstance(exc.body, dict)
    error = exc.body["error"]
    assert isinstance(error, dict)
    return error


def user_messages(text: str) -> list[dict[str, str]]:
    """The message dicts ChatGroq sends for a plain string prompt."""
    return [{"role": "user", "content": text}]


# --- happy paths ------------------------------------------------------------------------------


def test_base_url_is_bare_loopback_origin(server: GroqStubServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.count("/") == 2  # no path: the SDK appends /openai/v1/...


async def test_streaming_yields_many_chunks_that_join_to_the_full_reply_with_usage(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    model = make_chat()
    chunks = await collect(model.astream(PROMPT))
    full = await model.ainvoke(PROMPT)

    contents = [c.content for c in chunks if c.content]
    assert len(contents) > 10
    assert "".join(str(c) for c in contents) == full.content
    merged = merge(chunks)
    assert merged.usage_metadata is not None
    assert merged.usage_metadata["input_tokens"] == count_prompt_tokens(user_messages(PROMPT))
    assert merged.usage_metadata["output_tokens"] == len(contents)
    assert merged.response_metadata["finish_reason"] == "stop"


async def test_ainvoke_returns_deterministic_interviewer_reply_keyed_by_prompt(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    model = make_chat()
    first = await model.ainvoke(PROMPT)
    again = await model.ainvoke(PROMPT)
    other = await model.ainvoke("A different answer from the candidate.")

    text = str(first.content)
    ack, question = text.split("\n\n")
    assert ack and question.endswith("?")
    assert prompt_digest(user_messages(PROMPT)) in question
    assert again.content == text
    assert other.content != text
    assert 30 <= len(text.split()) <= 55  # reply_words=40, roughly
    assert first.usage_metadata is not None
    assert first.response_metadata["finish_reason"] == "stop"
    assert server.stats["completed"] == 3


async def test_replies_never_contain_the_end_of_interview_marker(server: GroqStubServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, headers=AUTH) as client:
        for i in range(40):
            resp = await client.post(
                "/openai/v1/chat/completions",
                json={"model": MODEL_ID, "messages": user_messages(f"answer {i}")},
            )
            content = resp.json()["choices"][0]["message"]["content"]
            assert "end of interview" not in content.lower()


async def test_prompt_tokens_are_counted_by_the_documented_rule(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    system, human = "s" * 10, "h" * 41
    result = await make_chat().ainvoke([SystemMessage(system), HumanMessage(human)])

    expected = (math.ceil(10 / 4) + 4) + (math.ceil(41 / 4) + 4)
    assert expected == 22
    assert result.usage_metadata is not None
    assert result.usage_metadata["input_tokens"] == expected
    stats = server.stats
    assert stats["prompt_tokens_total"] == expected
    assert stats["per_request"][0]["prompt_tokens"] == expected
    assert stats["completion_tokens_total"] == result.usage_metadata["output_tokens"]


async def test_max_tokens_truncates_with_finish_reason_length(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    model = make_chat(max_tokens=5)
    result = await model.ainvoke(PROMPT)
    chunks = await collect(model.astream(PROMPT))

    assert result.response_metadata["finish_reason"] == "length"
    assert result.usage_metadata is not None
    assert result.usage_metadata["output_tokens"] == 5
    assert len(str(result.content).split()) == 5
    merged = merge(chunks)
    assert merged.response_metadata["finish_reason"] == "length"
    assert "".join(str(c.content) for c in chunks) == result.content


async def test_ttft_and_token_delay_pace_the_stream(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.config.ttft = 0.2
    server.config.token_delay = 0.01
    server.config.reply_words = 10
    started = time.monotonic()
    first_content_at = None
    async for chunk in make_chat().astream(PROMPT):
        if chunk.content and first_content_at is None:
            first_content_at = time.monotonic() - started
    total = time.monotonic() - started

    # A little slack: uvloop timers have millisecond granularity.
    assert first_content_at is not None and first_content_at >= 0.19
    pieces = server.stats["per_request"][0]["completion_tokens"]
    assert total >= 0.19 + 0.009 * (pieces - 1)


async def test_models_endpoint_lists_the_model(server: GroqStubServer) -> None:
    async with groq.AsyncGroq(api_key="test-key", base_url=server.base_url) as client:
        models = await client.models.list()
    assert [m.id for m in models.data] == [MODEL_ID]


# --- faults and errors -------------------------------------------------------------------------


async def test_rate_limit_429_with_retry_after_is_retried_by_the_sdk_then_succeeds(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"status": 429, "retry_after": 0.2}])
    started = time.monotonic()
    result = await make_chat(max_retries=2).ainvoke(PROMPT)
    elapsed = time.monotonic() - started

    assert result.content
    assert elapsed >= 0.2  # the SDK slept for retry-after, not its 0.5 s default backoff
    stats = server.stats
    assert stats["requests"] == 2
    assert [r["status"] for r in stats["per_request"]] == [429, 200]
    assert [r["retry_count"] for r in stats["per_request"]] == [0, 1]
    assert stats["errors_injected"] == 1


async def test_rate_limit_429_without_retries_raises_rate_limit_error(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"status": 429, "retry_after": 1}])
    with pytest.raises(groq.RateLimitError) as info:
        await make_chat().ainvoke(PROMPT)
    assert info.value.response.headers["retry-after"] == "1"
    assert error_of(info.value)["code"] == "rate_limit_exceeded"


async def test_500_with_max_retries_zero_raises_internal_server_error(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"status": 500}])
    with pytest.raises(groq.InternalServerError) as info:
        await make_chat(max_retries=0).ainvoke(PROMPT)
    assert info.value.status_code == 500
    assert error_of(info.value)["type"] == "internal_server_error"
    assert server.stats["requests"] == 1


async def test_503_is_retried_honouring_retry_after_ms(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"status": 503, "retry_after_ms": 50}])
    result = await make_chat(max_retries=1).ainvoke(PROMPT)
    assert result.content
    assert [r["status"] for r in server.stats["per_request"]] == [503, 200]


async def test_x_should_retry_false_stops_sdk_retries(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"status": 503, "should_retry": False}])
    with pytest.raises(groq.InternalServerError):
        await make_chat(max_retries=2).ainvoke(PROMPT)
    assert server.stats["requests"] == 1


async def test_mid_stream_cut_raises_raw_httpx_remote_protocol_error_and_is_not_retried(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"cut_after_chunks": 3}])
    received: list[str] = []
    # The groq SDK only retries failures before the response headers; a truncated SSE body
    # surfaces from httpx unwrapped, even with retries enabled.
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        async for chunk in make_chat(max_retries=2).astream(PROMPT):
            received.append(str(chunk.content))

    assert len([c for c in received if c]) == 3
    stats = server.stats
    assert stats["requests"] == 1
    assert stats["completed"] == 0
    assert stats["errors_injected"] == 1
    assert stats["per_request"][0]["completion_tokens"] == 3


async def test_non_streaming_cut_raises_api_connection_error(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"cut_after_chunks": 0}])
    with pytest.raises(groq.APIConnectionError) as info:
        await make_chat(max_retries=0).ainvoke(PROMPT)
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


async def test_non_streaming_cut_is_retried_by_the_sdk(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    # A body cut inside the SDK's send() counts as a connection error, retried with the
    # default backoff (0.5 s x jitter in [0.75, 1]).
    server.add_faults([{"cut_after_chunks": 0}])
    result = await make_chat(max_retries=1).ainvoke(PROMPT)
    assert result.content
    assert server.stats["requests"] == 2


async def test_delay_fault_past_client_timeout_raises_api_timeout_error(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.add_faults([{"delay": 2.0}])
    with pytest.raises(groq.APITimeoutError):
        await make_chat(max_retries=0, timeout=0.3).ainvoke(PROMPT)
    # The server notices the client leaving and stops waiting (recorded as 499).
    for _ in range(100):
        if server.stats["per_request"]:
            break
        await asyncio.sleep(0.02)
    assert server.stats["per_request"][0]["status"] == 499
    assert server.stats["client_disconnects"] == 1


async def test_stream_stalling_after_headers_raises_raw_httpx_read_timeout_without_retry(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    # ttft elapses after the 200 headers, so the SDK's send() has already returned: the read
    # timeout fires while iterating the body, unwrapped and not retried.
    server.config.ttft = 0.6
    with pytest.raises(httpx.ReadTimeout):
        await collect(make_chat(max_retries=2, timeout=0.2).astream(PROMPT))
    for _ in range(100):
        if server.stats["per_request"]:
            break
        await asyncio.sleep(0.02)
    assert server.stats["requests"] == 1
    assert server.stats["per_request"][0]["status"] == 499


async def test_chatgroq_default_request_timeout_disables_the_sdk_timeout(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    # ChatGroq passes request_timeout=None explicitly, which overrides the SDK's 60 s default.
    assert make_chat().async_client._client.timeout is None
    async with groq.AsyncGroq(api_key="k", base_url=server.base_url) as sdk:
        assert sdk.timeout == httpx.Timeout(60, connect=5.0)


async def test_missing_or_empty_bearer_token_raises_authentication_error(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    # ChatGroq validates default_headers as plain strings, so it can only blank the header;
    # the raw request below leaves it out entirely.
    model = make_chat(default_headers={"Authorization": ""})
    with pytest.raises(groq.AuthenticationError) as info:
        await model.ainvoke(PROMPT)
    assert info.value.body == {  # Groq's error shape
        "error": {
            "message": "Invalid API Key",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        resp = await client.post(
            "/openai/v1/chat/completions",
            json={"model": MODEL_ID, "messages": user_messages(PROMPT)},
        )
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_api_key"
    assert server.stats["requests"] == 2


async def test_unknown_model_raises_not_found_error(make_chat: ChatFactory) -> None:
    model = make_chat(model="no-such-model")
    with pytest.raises(groq.NotFoundError) as info:
        await model.ainvoke(PROMPT)
    assert error_of(info.value)["code"] == "model_not_found"


async def test_context_overflow_raises_bad_request_context_length_exceeded(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.config.max_context_tokens = 100
    with pytest.raises(groq.BadRequestError) as info:
        await make_chat().ainvoke("x" * 400)  # 100 + 4 prompt tokens
    assert error_of(info.value)["code"] == "context_length_exceeded"

    # max_tokens counts against the window too.
    with pytest.raises(groq.BadRequestError):
        await make_chat(max_tokens=96).ainvoke("hi")  # 5 + 96 > 100
    assert [r["status"] for r in server.stats["per_request"]] == [400, 400]


def test_invalid_fault_specs_are_rejected(server: GroqStubServer) -> None:
    with pytest.raises(ValueError):
        server.add_faults([{"status": 200}])
    with pytest.raises(ValueError):
        server.add_faults([{"stauts": 500}])
    with pytest.raises(ValueError):
        server.add_faults([{"status": 500, "cut_after_chunks": 1}])
    assert server.stats["faults_pending"] == 0


# --- control API ------------------------------------------------------------------------------


async def test_control_endpoints_script_faults_config_stats_and_reset(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as control:
        resp = await control.post("/_control/faults", json=[{"status": 500}, {"delay": 0.01}])
        assert resp.json() == {"faults_pending": 2}
        resp = await control.post("/_control/config", json={"reply_words": 12, "ttft": 0})
        assert resp.json()["reply_words"] == 12
        assert (await control.post("/_control/faults", json={"status": 500})).status_code == 400
        assert (await control.post("/_control/config", json={"nope": 1})).status_code == 400

        model = make_chat()
        with pytest.raises(groq.InternalServerError):
            await model.ainvoke(PROMPT)
        await model.ainvoke(PROMPT)

        stats = (await control.get("/_control/stats")).json()
        assert stats["requests"] == 2
        assert stats["completed"] == 1
        assert stats["errors_injected"] == 1
        assert stats["faults_pending"] == 0
        assert stats["per_request"][1]["fault"] == {"delay": 0.01}
        assert stats["per_request"][1]["completion_tokens"] <= 30

        await control.post("/_control/reset")
        stats = (await control.get("/_control/stats")).json()
        assert stats["requests"] == 0 and stats["per_request"] == []


async def test_unknown_path_gets_groq_style_404(server: GroqStubServer) -> None:
    # e.g. a base_url that already ends in /openai/v1
    async with httpx.AsyncClient(base_url=server.base_url, headers=AUTH) as client:
        resp = await client.post("/openai/v1/openai/v1/chat/completions", json={})
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "unknown_url"


# --- structured output (tool calls and JSON mode) -----------------------------------------------


class _Verdict(BaseModel):
    """A judgement with an enum, an optional enum and a free-text field."""

    action: Literal["follow_up", "redirect", "move_on"] = Field(description="What to do next.")
    kind: Literal["deeper", "clarify"] | None = Field(default=None, description="Follow-up kind.")
    reason: str = Field(description="Why.")


@pytest.mark.parametrize("streaming", [False, True])
async def test_structured_output_by_function_calling_gets_a_tool_call(
    server: GroqStubServer, make_chat: ChatFactory, streaming: bool
) -> None:
    chat = make_chat(streaming=streaming).with_structured_output(
        _Verdict, method="function_calling", include_raw=True
    )
    result = await chat.ainvoke([HumanMessage(PROMPT)])
    assert result["parsing_error"] is None
    assert result["parsed"] == _Verdict(action="follow_up", kind="deeper", reason="stub")
    assert result["raw"].tool_calls[0]["name"] == "_Verdict"
    assert result["raw"].usage_metadata["output_tokens"] >= 1
    assert server.stats["per_request"][0]["stream"] is streaming


async def test_structured_reply_from_the_config_is_what_the_tool_call_carries(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    server.config = StubConfig(structured_reply={"action": "move_on", "reason": "gap admitted"})
    chat = make_chat().with_structured_output(_Verdict, method="function_calling")
    assert await chat.ainvoke([HumanMessage(PROMPT)]) == _Verdict(
        action="move_on", reason="gap admitted"
    )


async def test_structured_output_by_json_schema_gets_json_content(
    server: GroqStubServer, make_chat: ChatFactory
) -> None:
    chat = make_chat().with_structured_output(_Verdict, method="json_schema")
    assert await chat.ainvoke([HumanMessage(PROMPT)]) == _Verdict(
        action="follow_up", kind="deeper", reason="stub"
    )


def test_structured_reply_config_must_be_an_object(server: GroqStubServer) -> None:
    response = httpx.post(
        f"{server.base_url}/_control/config", json={"structured_reply": [1, 2]}, timeout=5
    )
    assert response.status_code == 400
