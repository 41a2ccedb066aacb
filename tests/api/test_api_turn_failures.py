"""How a failed turn reaches the client: an aborted plain-text stream, the turn deadline, and
LLM errors with honest codes and waits (issue 13, items 6, 7 and 8). Real langchain-groq client
against the loopback Groq-protocol stub."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
import requests

from devkit.groq_server import GroqStubServer
from tests.support.server import Api, ThreadedServer


@pytest.fixture
def groq_server(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> ThreadedServer:
    return make_server(llm="groq", groq_max_retries=2, groq_max_retry_wait=0.2)


def _started(api: Api) -> str:
    session_id = api.create(candidate_name="Ana", technical_questions=2, behavioral_questions=1)
    assert api.start_text(session_id).status_code == 200
    return session_id


def _chat_body(session_id: str) -> dict[str, str]:
    return {"session_id": session_id, "message": "I enjoy APIs."}


# --- item 6: a cut plain-text stream is not a success ---------------------------------------


def test_a_plain_text_reply_cut_after_the_first_byte_makes_http_clients_raise(
    groq_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(groq_server.base_url) as api:
        session_id = _started(api)
        before = api.history(session_id)

        groq_stub.add_faults([{"cut_after_chunks": 4}])
        received: list[str] = []
        with (
            pytest.raises(httpx.RemoteProtocolError),
            api.http.stream("POST", f"/chat/{session_id}", json=_chat_body(session_id)) as reply,
        ):
            assert reply.status_code == 200  # the first bytes were already out
            received.extend(reply.iter_text())
        assert api.history(session_id) == before

        groq_stub.add_faults([{"cut_after_chunks": 4}])
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            response = requests.post(
                f"{groq_server.base_url}/chat/{session_id}",
                json=_chat_body(session_id),
                stream=True,
                timeout=30,
            )
            assert response.status_code == 200
            for _ in response.iter_content(chunk_size=None):
                pass
        assert api.history(session_id) == before

        again = api.chat_text(session_id, "I enjoy APIs.")
        assert again.status_code == 200 and again.text.endswith("?")


def test_the_connection_abort_leaves_the_server_serving(
    groq_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(groq_server.base_url) as api:
        session_id = _started(api)
        groq_stub.add_faults([{"cut_after_chunks": 2}])
        with pytest.raises(httpx.RemoteProtocolError):
            api.chat_text(session_id, "I enjoy APIs.")
        assert api.http.get("/healthz").status_code == 200
        assert api.status(session_id)["questions_asked"] == 0


# --- item 7: the whole-turn deadline --------------------------------------------------------


@pytest.fixture
def slow_server(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> ThreadedServer:
    return make_server(llm="groq", groq_max_retries=0, turn_deadline_seconds=1.5)


def test_a_trickling_llm_is_cut_at_the_turn_deadline_and_nothing_is_committed(
    slow_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(slow_server.base_url) as api:
        session_id = _started(api)
        before = api.history(session_id)
        groq_stub.config.token_delay = 0.4  # 30 tokens: 12 s if nothing stopped it
        began = time.monotonic()
        reply = api.chat_sse(session_id, "I enjoy APIs.")
        elapsed = time.monotonic() - began
        assert reply.kinds[0] == "token" and reply.kinds[-1] == "error"
        assert reply.of("error")[0].data["code"] == "llm_timeout"
        assert "done" not in reply.kinds and "state" not in reply.kinds
        assert elapsed < 8  # well before the reply would have finished
        assert api.history(session_id) == before

        # The session is free again at once (no 409), and the same message goes through.
        groq_stub.config.token_delay = 0.0
        again = api.chat_text(session_id, "I enjoy APIs.")
        assert again.status_code == 200 and again.text.endswith("?")


def test_a_turn_deadline_before_the_first_byte_is_a_503_timeout(
    slow_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(slow_server.base_url) as api:
        session_id = api.create()
        groq_stub.config.ttft = 3.0
        reply = api.start_text(session_id)
        assert reply.status_code == 503
        assert reply.headers.get("x-error-code") == "llm_timeout"
        assert reply.headers.get("retry-after")
        groq_stub.config.ttft = 0.0
        assert api.status(session_id)["active"] is False
        assert api.start_text(session_id).status_code == 200


# --- item 8: LLM errors that say what they are ----------------------------------------------


def test_an_llm_400_is_a_rejected_request_not_retryable_and_without_retry_after(
    groq_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(groq_server.base_url) as api:
        session_id = _started(api)
        requests_before = groq_stub.stats["requests"]
        groq_stub.add_faults([{"status": 400}])
        reply = api.chat_text(session_id, "I enjoy APIs.")
        assert reply.status_code == 502
        assert reply.headers.get("x-error-code") == "llm_rejected"
        assert "retry-after" not in reply.headers
        assert groq_stub.stats["requests"] == requests_before + 1  # not retried either

        groq_stub.add_faults([{"status": 400}])
        sse = api.chat_sse(session_id, "I enjoy APIs.")
        assert sse.status_code == 502
        assert sse.json()["detail"] == "The language model rejected the request."


def test_retry_after_is_the_rate_limits_own_wait(
    groq_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(groq_server.base_url) as api:
        session_id = _started(api)
        # Every attempt is limited; the SDK's waits are capped at 0.2 s, the client's is not.
        groq_stub.add_faults([{"status": 429, "retry_after": 37}] * 3)
        reply = api.chat_text(session_id, "I enjoy APIs.")
        assert reply.status_code == 503
        assert reply.headers.get("x-error-code") == "llm_rate_limited"
        assert reply.headers.get("retry-after") == "37"

        groq_stub.add_faults([{"status": 429, "retry_after_ms": 2500}] * 3)
        reply = api.chat_text(session_id, "I enjoy APIs.")
        assert reply.headers.get("retry-after") == "3"


def test_an_llm_outage_keeps_a_short_retry_after(
    groq_server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    with Api(groq_server.base_url) as api:
        session_id = _started(api)
        groq_stub.add_faults([{"status": 500}] * 3)
        reply = api.chat_text(session_id, "I enjoy APIs.")
        assert reply.status_code == 503
        assert reply.headers.get("x-error-code") == "llm_unavailable"
        assert reply.headers.get("retry-after") == "5"


def test_a_rejected_request_is_classified_not_retryable() -> None:
    import groq

    from api.errors import turn_error
    from api.streaming import error_headers

    rejected = groq.BadRequestError(
        "bad", response=httpx.Response(400, request=httpx.Request("POST", "http://x")), body=None
    )
    error = turn_error(rejected)
    assert error["code"] == "llm_rejected" and error["retryable"] is False
    assert error_headers(error) == {"X-Error-Code": "llm_rejected"}
