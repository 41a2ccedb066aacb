"""LLM faults through the real langchain-groq client against the loopback Groq-protocol server.

Nothing is mocked between our node and the socket: ChatGroq -> groq SDK -> httpx -> the stub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from devkit.groq_server import GroqStubServer
from tests.support.server import Api, ThreadedServer


@pytest.fixture
def groq_api(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> Iterator[Api]:
    server = make_server(llm="groq", groq_max_retries=2, groq_max_retry_wait=0.2)
    with Api(server.base_url) as client:
        yield client


def _started(api: Api) -> str:
    session_id = api.create(candidate_name="Ana", technical_questions=2, behavioral_questions=1)
    reply = api.start_text(session_id)
    assert reply.status_code == 200 and reply.text
    return session_id


def test_model_info_says_groq_is_serving(groq_api: Api) -> None:
    info = groq_api.http.get("/model-info").json()
    assert info["model_name"] == "llama-3.3-70b-versatile"
    assert info["provider"] == "groq" and info["offline"] is False


def test_groq_reply_streams_in_many_chunks_one_request_per_turn(
    groq_api: Api, groq_stub: GroqStubServer
) -> None:
    session_id = _started(groq_api)
    groq_stub.config.token_delay = 0.01  # tokens arrive over time, as from Groq
    reply = groq_api.chat_text(session_id, "I like building reliable systems.")
    assert reply.status_code == 200
    assert len(reply.chunks) > 5
    assert reply.text.endswith("?")
    streamed = [r for r in groq_stub.stats["per_request"] if r["stream"]]
    assert len(streamed) == 2  # greeting + this turn, no hidden calls
    # ... but the main question this turn asked gets its rubric, once it has streamed (issue 18).
    assert groq_stub.stats["requests"] == 3


def test_rate_limit_with_retry_after_is_waited_for_and_retried(
    groq_api: Api, groq_stub: GroqStubServer
) -> None:
    session_id = _started(groq_api)
    groq_stub.add_faults([{"status": 429, "retry_after": 0.1}])
    reply = groq_api.chat_text(session_id, "I enjoy APIs.")
    assert reply.status_code == 200 and reply.text
    streamed = [r for r in groq_stub.stats["per_request"] if r["stream"]]
    assert len(streamed) == 3  # greeting, the 429, the retry (then the question's rubric)


def test_long_retry_after_is_capped_by_our_setting(
    groq_api: Api, groq_stub: GroqStubServer
) -> None:
    # Uncapped, the SDK would sleep 30 s here and the client's 30 s read timeout would fire.
    session_id = _started(groq_api)
    groq_stub.add_faults([{"status": 429, "retry_after": 30}])
    reply = groq_api.chat_text(session_id, "I enjoy APIs.")
    assert reply.status_code == 200 and reply.text


def test_server_error_before_the_first_byte_is_503_and_the_turn_can_be_sent_again(
    groq_api: Api, groq_stub: GroqStubServer
) -> None:
    session_id = _started(groq_api)
    before = groq_api.history(session_id)
    groq_stub.add_faults([{"status": 500}] * 3)  # the first attempt and both retries
    failed = groq_api.chat_text(session_id, "I enjoy APIs.")
    assert failed.status_code == 503
    assert failed.headers.get("retry-after")
    assert failed.headers.get("x-error-code") == "llm_unavailable"
    assert groq_api.history(session_id) == before
    assert groq_api.status(session_id)["questions_asked"] == 0

    again = groq_api.chat_text(session_id, "I enjoy APIs.")
    assert again.status_code == 200 and again.text
    history = groq_api.history(session_id)
    assert [m["content"] for m in history if m["role"] == "user"] == ["I enjoy APIs."]
    assert groq_api.status(session_id)["questions_asked"] == 1


def test_connection_cut_mid_stream_aborts_the_text_stream_and_commits_nothing(
    groq_api: Api, groq_stub: GroqStubServer
) -> None:
    session_id = _started(groq_api)
    before = groq_api.history(session_id)
    groq_stub.add_faults([{"cut_after_chunks": 4}])
    with pytest.raises(httpx.RemoteProtocolError):  # no clean end: the client sees the cut
        groq_api.chat_text(session_id, "I enjoy APIs.")
    assert groq_api.history(session_id) == before

    again = groq_api.chat_text(session_id, "I enjoy APIs.")
    assert again.status_code == 200 and again.text.endswith("?")
    users = [m for m in groq_api.history(session_id) if m["role"] == "user"]
    assert len(users) == 1


def test_connection_cut_mid_stream_is_an_sse_error_event(
    groq_api: Api, groq_stub: GroqStubServer
) -> None:
    session_id = _started(groq_api)
    groq_stub.add_faults([{"cut_after_chunks": 3}])
    reply = groq_api.chat_sse(session_id, "I enjoy APIs.")
    assert reply.kinds[0] == "token"
    assert reply.kinds[-1] == "error"
    assert "done" not in reply.kinds
    assert reply.of("error")[0].data["code"] == "llm_unavailable"


def test_llm_timeout_is_a_clear_503(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    server = make_server(llm="groq", groq_max_retries=0, groq_timeout=0.3)
    with Api(server.base_url) as api:
        session_id = api.create()
        groq_stub.add_faults([{"delay": 2.0}])
        reply = api.start_text(session_id)
        assert reply.status_code == 503
        assert reply.headers.get("x-error-code") == "llm_timeout"
        assert api.status(session_id)["active"] is False
        assert api.start_text(session_id).status_code == 200


def test_request_that_cannot_fit_is_refused_and_never_sent(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    server = make_server(llm="groq", context_window=300, max_tokens=200)
    with Api(server.base_url) as api:
        reply = api.start_text(api.create())
        assert reply.status_code == 503
        assert reply.headers.get("x-error-code") == "prompt_too_large"
        assert "context window" in reply.json()["detail"]
    assert groq_stub.stats["requests"] == 0


def test_retry_after_cap_clips_only_long_waits() -> None:
    import asyncio

    from graph.llm.http_client import retry_after_cap

    clip = retry_after_cap(2.0)
    long = httpx.Response(429, headers={"retry-after": "30", "retry-after-ms": "30000"})
    short = httpx.Response(429, headers={"retry-after": "1"})
    asyncio.run(clip(long))
    asyncio.run(clip(short))
    assert long.headers["retry-after"] == "2"
    assert long.headers["retry-after-ms"] == "2000"
    assert short.headers["retry-after"] == "1"
