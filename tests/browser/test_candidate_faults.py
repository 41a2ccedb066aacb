"""The candidate page when things go wrong: a server in groq mode pointed at the loopback
Groq-protocol stub, whose scripted faults make the language model fail for real."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from devkit.groq_server import GroqStubServer, StubConfig
from tests.browser.pages import CandidatePage
from tests.support.server import Api, ThreadedServer, offline_settings, wait_until

ANSWER = "I enjoy building reliable APIs for the people who use them."


@pytest.fixture(scope="module")
def groq_stub() -> Iterator[GroqStubServer]:
    with GroqStubServer(StubConfig(reply_words=30)) as stub:
        yield stub


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, groq_stub: GroqStubServer
) -> Iterator[ThreadedServer]:
    root = tmp_path_factory.mktemp("browser-groq")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GROQ_API_KEY", "test-key")
        env.setenv("GROQ_API_BASE", groq_stub.base_url)
        settings = offline_settings(root, llm="groq", groq_max_retries=0)
        with ThreadedServer(settings) as running:
            yield running


@pytest.fixture(autouse=True)
def calm_stub(groq_stub: GroqStubServer) -> Iterator[None]:
    groq_stub.reset()
    groq_stub.config.ttft = 0.0
    yield
    groq_stub.reset()
    groq_stub.config.ttft = 0.0


def _users(api: Api, sid: str) -> list[str]:
    return [m["content"] for m in api.history(sid) if m["role"] == "user"]


def _started(page: Any, api: Api, server: ThreadedServer) -> tuple[str, CandidatePage]:
    sid = api.create(candidate_name="Ana", technical_questions=2, behavioral_questions=1)
    candidate = CandidatePage(page, server.base_url, sid).open()
    candidate.start_with_keyboard()
    return sid, candidate


def _turn_keys(page: Any, sid: str) -> list[str | None]:
    keys: list[str | None] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key"))
            if r.url.endswith(f"/chat/{sid}")
            else None
        ),
    )
    return keys


def test_llm_failure_shows_try_again_which_resends_the_same_message_with_the_same_key(
    page: Any, api: Api, server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    sid, candidate = _started(page, api, server)
    keys = _turn_keys(page, sid)
    groq_stub.add_faults([{"status": 500, "should_retry": False}])
    candidate.type_answer(ANSWER)

    expect(candidate.problem).to_contain_text("Mia could not reply just now")
    expect(candidate.retry).to_be_focused()
    expect(candidate.answer).to_be_disabled()
    assert candidate.mine() == [ANSWER]  # the answer stays on screen
    assert _users(api, sid) == []  # and was not committed

    candidate.page.keyboard.press("Enter")  # "Try again" has the focus
    candidate.wait_turn()
    expect(candidate.problem).to_be_hidden()
    assert _users(api, sid) == [ANSWER]
    assert candidate.mia() == [m["content"] for m in api.history(sid) if m["role"] == "assistant"]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    candidate.expect_progress(1, 3)

    candidate.type_answer("A second, different answer about my work with databases.")
    assert len(keys) == 3 and keys[2] != keys[0]  # a new message gets a new key


def test_reply_cut_mid_stream_is_taken_back_and_try_again_completes_it(
    page: Any, api: Api, server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    sid, candidate = _started(page, api, server)
    groq_stub.add_faults([{"cut_after_chunks": 3}])
    candidate.type_answer(ANSWER)
    expect(candidate.problem).to_contain_text("Mia could not reply just now")
    assert len(candidate.mia()) == 1  # the cut reply is not left on screen
    assert _users(api, sid) == []

    candidate.retry.click()
    candidate.wait_turn()
    assert _users(api, sid) == [ANSWER]
    assert candidate.mia() == [m["content"] for m in api.history(sid) if m["role"] == "assistant"]
    assert candidate.mia()[-1].endswith("?")


def test_answer_box_and_send_are_disabled_while_mia_replies(
    page: Any, api: Api, server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    sid, candidate = _started(page, api, server)
    groq_stub.config.ttft = 1.5
    candidate.answer.fill(ANSWER)
    candidate.answer.press("Enter")
    expect(candidate.answer).to_be_disabled()
    expect(candidate.send).to_be_disabled()
    expect(candidate.log).to_have_attribute("aria-busy", "true")
    candidate.wait_turn()
    expect(candidate.answer).to_be_enabled()
    expect(candidate.answer).to_be_focused()
    assert _users(api, sid) == [ANSWER]


def test_a_turn_sent_while_another_reply_streams_says_a_reply_is_still_coming(
    page: Any, api: Api, server: ThreadedServer, groq_stub: GroqStubServer
) -> None:
    sid, candidate = _started(page, api, server)
    groq_stub.config.ttft = 3.0
    before = groq_stub.stats["requests"]
    other = threading.Thread(
        target=lambda: httpx.post(
            f"{server.base_url}/chat/{sid}",
            json={"session_id": sid, "message": "From another tab.", "type": "user"},
            timeout=30,
        )
    )
    other.start()
    wait_until(lambda: groq_stub.stats["requests"] > before, what="the other tab's turn")

    candidate.type_answer(ANSWER)
    expect(candidate.problem).to_contain_text("A reply is still coming")
    expect(candidate.retry).to_be_visible()
    other.join(timeout=30)
    groq_stub.config.ttft = 0.0

    candidate.retry.click()
    candidate.wait_turn()
    expect(candidate.problem).to_be_hidden()
    assert _users(api, sid) == ["From another tab.", ANSWER]
