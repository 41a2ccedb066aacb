"""The provider behind the API: named beside the seed's fixed `model_name` wherever the API
names the model (/model-info, /conversation-history, /sessions, saved documents), for each of
the three providers; and the OpenAI-compatible provider served end to end, through the real
langchain-openai client against the loopback server, like the Groq path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devkit.groq_server import OPENAI_COMPATIBLE_MODEL_ID, GroqStubServer, StubConfig
from tests.support.server import Api, ThreadedServer, wait_until

MODEL_NAME = "llama-3.3-70b-versatile"  # the seed's, whatever serves


@pytest.fixture
def openai_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[GroqStubServer]:
    """The loopback server's OpenAI-compatible routes, and the key the service sends them."""
    with GroqStubServer(StubConfig(reply_words=30)) as stub:
        monkeypatch.setenv("INTERVIEWER_OPENAI_API_KEY", "test-key")
        yield stub


def _openai_server(
    stub: GroqStubServer, make_server: Callable[..., ThreadedServer], **overrides: object
) -> ThreadedServer:
    return make_server(
        llm="openai",
        openai_base_url=stub.openai_base_url,
        openai_model=OPENAI_COMPATIBLE_MODEL_ID,
        **{"openai_max_retries": 0, "openai_max_retry_wait": 0.2, **overrides},
    )


def _saved_document(server: ThreadedServer, api: Api, session_id: str) -> dict[str, object]:
    assert api.http.post(f"/save-session/{session_id}").status_code == 200

    def saved() -> Path | None:
        return next(server.sessions_dir.glob(f"interview_{session_id}_*.json"), None)

    path = wait_until(saved, what="the saved document")
    document: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    stored = api.http.get(f"/saved-sessions/{session_id}").json()
    assert stored["provider"] == document["provider"]
    return document


def _provider_everywhere(server: ThreadedServer, provider: str, served: str) -> None:
    with Api(server.base_url) as api:
        info = api.http.get("/model-info").json()
        assert (info["model_name"], info["provider"], info["served_model"]) == (
            MODEL_NAME,
            provider,
            served,
        )
        assert api.http.get("/healthz").json()["provider"] == provider
        session_id = api.create(candidate_name="Ana", technical_questions=1)
        reply = api.start_text(session_id)
        assert reply.status_code == 200 and reply.text
        conversation = api.conversation(session_id)
        assert (conversation["model_name"], conversation["provider"]) == (MODEL_NAME, provider)
        summary = api.sessions()[session_id]
        assert (summary["model_name"], summary["provider"]) == (MODEL_NAME, provider)
        document = _saved_document(server, api, session_id)
        assert (document["model_name"], document["provider"]) == (MODEL_NAME, provider)


def test_offline_is_named_beside_the_fixed_model_name_everywhere(
    make_server: Callable[..., ThreadedServer],
) -> None:
    _provider_everywhere(make_server(), "offline", "offline-interviewer")


def test_groq_is_named_beside_the_fixed_model_name_everywhere(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    _provider_everywhere(make_server(llm="groq"), "groq", MODEL_NAME)


def test_openai_is_named_with_the_model_the_endpoint_serves(
    openai_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    server = _openai_server(openai_stub, make_server)
    _provider_everywhere(server, "openai", OPENAI_COMPATIBLE_MODEL_ID)
    with Api(server.base_url) as api:
        assert OPENAI_COMPATIBLE_MODEL_ID in api.http.get("/model-info").json()["description"]


def test_openai_replies_stream_and_failures_keep_the_api_error_codes(
    openai_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    server = _openai_server(openai_stub, make_server)
    with Api(server.base_url) as api:
        session_id = api.create(candidate_name="Ana", technical_questions=2)
        assert api.start_text(session_id).status_code == 200
        openai_stub.config.token_delay = 0.01
        reply = api.chat_text(session_id, "I like building reliable systems.")
        assert reply.status_code == 200 and len(reply.chunks) > 5
        assert reply.text.endswith("?")
        before = api.history(session_id)

        openai_stub.add_faults([{"status": 429, "retry_after": 4}])
        limited = api.chat_text(session_id, "I enjoy APIs.")
        assert limited.status_code == 503
        assert limited.headers.get("x-error-code") == "llm_rate_limited"
        assert limited.headers.get("retry-after") == "4"

        openai_stub.add_faults([{"status": 400}])
        rejected = api.chat_text(session_id, "I enjoy APIs.")
        assert (rejected.status_code, rejected.headers.get("x-error-code")) == (
            502,
            "llm_rejected",
        )

        openai_stub.add_faults([{"cut_after_chunks": 3}])
        cut = api.chat_sse(session_id, "I enjoy APIs.")
        assert cut.kinds[0] == "token" and cut.kinds[-1] == "error"
        assert cut.of("error")[0].data["code"] == "llm_unavailable"
        assert api.history(session_id) == before  # nothing of the failed turns was committed

        again = api.chat_text(session_id, "I enjoy APIs.")
        assert again.status_code == 200 and again.text.endswith("?")
