"""The report endpoints over a real server: background evaluation, statuses, webhook, archive."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from api.evaluations import EvaluationRunner, run_evaluator
from api.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.support.postgres import fresh_database
from tests.support.server import (
    SUBSTANTIVE_ANSWER,
    Api,
    ThreadedServer,
    is_final,
    max_chats,
    offline_settings,
    wait_until,
)

SETTINGS: dict[str, Any] = {
    "behavioral_questions": 1,
    "technical_questions": 2,
    "skills": ["python"],
    "candidate_name": "Ana",
    "job_position": "Backend Engineer",
}
SECRET = "webhook-secret"


def runner_of(server: ThreadedServer) -> EvaluationRunner:
    runner: EvaluationRunner = server.app.state.evaluations
    return runner


def play(api: Api, session_id: str, answers: Callable[[int], str]) -> str:
    """Start and answer until the closing; returns the closing's text."""
    return play_on(api, session_id, answers, api.start_text(session_id).text)


def play_on(api: Api, session_id: str, answers: Callable[[int], str], text: str = "") -> str:
    """Answer an interview in progress until the closing."""
    for turn in range(max_chats(4)):
        if is_final(text):
            return text
        reply = api.chat_text(session_id, answers(turn))
        assert reply.status_code == 200, reply.body
        text = reply.text
    raise AssertionError("the interview did not finish")


def report(api: Api, session_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """GET /report until it is no longer pending."""
    return api.wait_report(session_id, timeout)


class Gate:
    """An evaluation that waits until the test opens the gate (or fails, if told to)."""

    def __init__(self, fail: bool = False) -> None:
        self.opened = threading.Event()
        self.started = threading.Event()
        self.fail = fail

    async def __call__(self, session_id: str, state: Any, context: Any) -> dict[str, Any]:
        self.started.set()
        # A thread-safe event: the test thread opens it.
        await asyncio.to_thread(self.opened.wait, 30)
        if self.fail:
            raise RuntimeError("evaluator crashed")
        return await run_evaluator(session_id, state, context)


@pytest.fixture(params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, make_server: Callable[..., ThreadedServer]
) -> Iterator[ThreadedServer]:
    """A server of its own, on each session backend (the report lives in the repository)."""
    if request.param == "postgres":
        with fresh_database() as url:
            server = make_server(database_url=url)
            yield server
            server.stop()  # before the database is dropped
        return
    yield make_server()


@pytest.fixture
def client(server: ThreadedServer) -> Iterator[Api]:
    with Api(server.base_url) as api:
        yield api


def test_report_statuses_follow_the_interview(server: ThreadedServer, client: Api) -> None:
    assert client.http.get(f"/report/{uuid.uuid4()}").status_code == 404
    assert client.http.post(f"/report/{uuid.uuid4()}/regenerate").status_code == 404
    session_id = client.create(**SETTINGS)
    assert client.http.get(f"/report/{session_id}").status_code == 409  # not started
    client.start_text(session_id)
    assert client.http.get(f"/report/{session_id}").status_code == 409  # in progress
    assert client.http.post(f"/report/{session_id}/regenerate").status_code == 409

    gate = Gate()
    runner_of(server).evaluate = gate
    closing = play(client, session_id, lambda _: SUBSTANTIVE_ANSWER)
    # The closing streamed whole and its turn committed while the evaluation is held.
    assert is_final(closing)
    wait_until(gate.started.is_set, what="the evaluation to start")
    assert client.status(session_id)["active"] is False
    pending = client.http.get(f"/report/{session_id}")
    assert pending.status_code == 202 and pending.json() == {"status": "pending"}

    gate.opened.set()
    body = report(client, session_id)
    assert body["status"] == "ready" and body["session_id"] == session_id
    assert body["generated_by"] == "offline-heuristic"
    assert {"rubric_version", "created_at", "questions", "skills", "overall", "integrity"} <= set(
        body
    )
    assert [q["number"] for q in body["questions"]] == [1, 2, 3]
    assert all(q["status"] == "scored" for q in body["questions"])
    assert [s["skill"] for s in body["skills"]] == ["python", "Communication"]
    assert body["overall"]["recommendation"] in (
        "strong_hire",
        "hire",
        "lean_hire",
        "lean_no_hire",
        "no_hire",
    )
    # Every quote is in the candidate's own message at that turn of the history.
    history = client.history(session_id)
    for question in body["questions"]:
        for evidence in question["evidence"]:
            assert history[evidence["turn"]]["role"] == "user"
            assert evidence["quote"] in " ".join(history[evidence["turn"]]["content"].split())

    markdown = client.http.get(f"/report/{session_id}", headers={"Accept": "text/markdown"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Interview scorecard: Ana — Backend Engineer")
    assert "offline-heuristic" in markdown.text and "### Q3 (technical, python)" in markdown.text


def test_end_interview_returns_before_its_evaluation(server: ThreadedServer, client: Api) -> None:
    session_id = client.create(**SETTINGS)
    client.start_text(session_id)
    client.chat_text(session_id, "I like building payment systems.")
    gate = Gate()
    runner_of(server).evaluate = gate
    response = client.http.post(f"/end-interview/{session_id}")
    assert response.status_code == 200
    wait_until(gate.started.is_set, what="the evaluation to start")
    assert client.http.get(f"/report/{session_id}").status_code == 202
    gate.opened.set()
    body = report(client, session_id)
    # Ended after the personal question: the first main question was asked and never replied
    # to, the others never reached (issue 18: "not reached" is not a low score).
    assert [q["status"] for q in body["questions"]] == [
        "not_answered",
        "not_reached",
        "not_reached",
    ]
    assert body["overall"]["score"] is None
    assert body["overall"]["recommendation"] == "insufficient_evidence"


def test_failed_evaluation_leaves_the_interview_intact_and_regenerate_fixes_it(
    server: ThreadedServer, client: Api
) -> None:
    session_id = client.create(**SETTINGS)
    gate = Gate(fail=True)
    gate.opened.set()
    runner_of(server).evaluate = gate
    play(client, session_id, lambda _: SUBSTANTIVE_ANSWER)
    history = client.history(session_id)

    failed = report(client, session_id)
    assert failed["status"] == "failed" and failed["error"]["type"] == "RuntimeError"
    assert "evaluator crashed" not in json.dumps(failed)  # no internals in the answer
    markdown = client.http.get(f"/report/{session_id}", headers={"Accept": "text/markdown"})
    assert "evaluation failed" in markdown.text and "regenerate" in markdown.text
    assert client.history(session_id) == history
    assert client.status(session_id)["active"] is False

    runner_of(server).evaluate = run_evaluator
    response = client.http.post(f"/report/{session_id}/regenerate")
    assert response.status_code == 202 and response.json() == {"status": "pending"}
    fixed = report(client, session_id)
    assert fixed["status"] == "ready" and len(fixed["questions"]) == 3
    assert client.history(session_id) == history


def test_regenerate_replaces_a_ready_report(server: ThreadedServer, client: Api) -> None:
    session_id = client.create(**SETTINGS)
    play(client, session_id, lambda _: SUBSTANTIVE_ANSWER)
    first = report(client, session_id)
    assert client.http.post(f"/report/{session_id}/regenerate").status_code == 202
    second = report(client, session_id)
    assert second["created_at"] > first["created_at"]
    assert second["overall"] == first["overall"]  # deterministic offline heuristic


def test_report_is_in_the_saved_session_and_in_the_delete_archive(
    server: ThreadedServer, client: Api
) -> None:
    session_id = client.create(**SETTINGS)
    play(client, session_id, lambda _: SUBSTANTIVE_ANSWER)
    ready = report(client, session_id)
    assert client.http.post(f"/save-session/{session_id}").status_code == 200
    # Read through the API: on PostgreSQL documents are in the database only (no archive dir).
    def document() -> dict[str, Any] | None:
        answer = client.http.get(f"/saved-sessions/{session_id}")
        return answer.json() if answer.status_code == 200 else None

    assert wait_until(document, what="the saved document")["report"] == ready
    assert client.http.delete(f"/session/{session_id}").status_code == 200
    kept = [s for s in client.http.get("/saved-sessions").json() if s["session_id"] == session_id]
    assert len(kept) == 2
    assert client.http.get(f"/saved-sessions/{session_id}").json()["report"] == ready
    assert client.http.get(f"/report/{session_id}").status_code == 404


def test_a_restarted_interview_never_serves_the_previous_interviews_report(
    server: ThreadedServer, client: Api
) -> None:
    session_id = client.create(**SETTINGS)
    play(client, session_id, lambda _: SUBSTANTIVE_ANSWER)
    first = report(client, session_id)
    assert first["generation"] == 0

    client.start_text(session_id)  # the hiring side starts it afresh
    assert client.http.get(f"/report/{session_id}").status_code == 409
    # The restart archived the finished interview with its own report.
    # (Read through the API: on PostgreSQL documents are in the database only.)
    kept = [s for s in client.http.get("/saved-sessions").json() if s["session_id"] == session_id]
    assert len(kept) == 1
    assert client.http.get(f"/saved-sessions/{session_id}").json()["report"] == first

    gate = Gate()
    runner_of(server).evaluate = gate
    play_on(client, session_id, lambda _: "I don't know.")
    wait_until(gate.started.is_set, what="the evaluation to start")
    # The stored report is the first interview's: it is not served for the second one.
    assert client.http.get(f"/report/{session_id}").status_code == 202
    gate.opened.set()
    second = report(client, session_id)
    assert second["generation"] == 1 and second["checkpoint_id"] != first["checkpoint_id"]
    assert second["overall"] != first["overall"]


def test_report_endpoints_are_admin_only(make_server: Callable[..., ThreadedServer]) -> None:
    server = make_server(admin_token="admin-secret")
    with Api(server.base_url) as api:
        api.http.headers["Authorization"] = "Bearer admin-secret"
        created = api.http.post("/create-session", json=SETTINGS).json()
        session_id, token = created["session_id"], created["candidate_token"]
        play(api, session_id, lambda _: SUBSTANTIVE_ANSWER)
        report(api, session_id)
        candidate = {"Authorization": f"Bearer {token}"}
        assert api.http.get(f"/report/{session_id}", headers=candidate).status_code == 403
        assert (
            api.http.post(f"/report/{session_id}/regenerate", headers=candidate).status_code == 403
        )
        assert (
            api.http.get(f"/report/{session_id}", headers={"Authorization": ""}).status_code == 401
        )


# --- webhook -------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on loopback that verifies each delivery like a customer would."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.deliveries: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers[TIMESTAMP_HEADER]
                signature = self.headers[SIGNATURE_HEADER]
                receiver.deliveries.append(
                    {
                        "body": body,
                        "verified": verify_signature(SECRET, timestamp, body, signature),
                        "forged": verify_signature("wrong-secret", timestamp, body, signature),
                        "tampered": verify_signature(SECRET, timestamp, body + b" ", signature),
                        "delivery": self.headers["X-Interviewer-Delivery"],
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/interviews"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def settled(api: Api, session_id: str) -> dict[str, Any] | None:
    """The ready report once its webhook delivery is delivered or failed."""
    body = report(api, session_id)
    return body if body["webhook"]["status"] in ("delivered", "failed") else None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver(statuses=[503])  # the first attempt fails: the retry delivers
    yield hook
    hook.close()


def test_webhook_posts_the_signed_report_and_records_the_delivery(
    make_server: Callable[..., ThreadedServer], receiver: Receiver
) -> None:
    server = make_server(
        webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff=0.05, webhook_attempts=3
    )
    with Api(server.base_url) as api:
        session_id = api.create(**SETTINGS)
        play(api, session_id, lambda _: SUBSTANTIVE_ANSWER)

        body = wait_until(lambda: settled(api, session_id), timeout=30, what="the webhook outcome")
    assert body["webhook"]["delivered"] is True and body["webhook"]["attempts"] == 2
    assert body["webhook"]["status"] == "delivered"
    assert len(receiver.deliveries) == 2
    for delivery in receiver.deliveries:
        assert delivery["verified"] and not delivery["forged"] and not delivery["tampered"]
    assert receiver.deliveries[0]["delivery"] == receiver.deliveries[1]["delivery"]
    assert receiver.deliveries[0]["delivery"] == body["webhook"]["delivery_id"]
    sent = json.loads(receiver.deliveries[-1]["body"])
    assert sent["session_id"] == session_id and sent["status"] == "ready"
    assert sent["questions"] == body["questions"]
    # Every score says what produced it, in the webhook too (issue 18).
    assert sent["provenance"] == body["provenance"]
    assert sent["provenance"]["evaluator"] == "offline-heuristic"


def test_webhook_gives_up_after_bounded_attempts(
    make_server: Callable[..., ThreadedServer],
) -> None:
    hook = Receiver(statuses=[500, 500, 500, 500])
    try:
        server = make_server(
            webhook_url=hook.url, webhook_secret=SECRET, webhook_backoff=0.01, webhook_attempts=3
        )
        with Api(server.base_url) as api:
            session_id = api.create(**SETTINGS)
            play(api, session_id, lambda _: SUBSTANTIVE_ANSWER)
            body = wait_until(
                lambda: settled(api, session_id), timeout=30, what="the webhook outcome"
            )
        delivery_id = body["webhook"]["delivery_id"]
        assert body["webhook"] == {
            "status": "failed",
            "delivery_id": delivery_id,
            "delivered": False,
            "attempts": 3,
            "last_error": "HTTP 500",
            "status_code": 500,
            "delivered_at": None,
        }
        assert len(hook.deliveries) == 3
    finally:
        hook.close()


def test_an_evaluation_cut_by_a_stop_is_resumed_at_the_next_start(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path / "one")
    gate = Gate()
    first = ThreadedServer(settings).start()
    try:
        runner_of(first).evaluate = gate
        with Api(first.base_url) as api:
            session_id = api.create(**SETTINGS)
            play(api, session_id, lambda _: SUBSTANTIVE_ANSWER)
            wait_until(gate.started.is_set, what="the evaluation to start")
            assert api.http.get(f"/report/{session_id}").status_code == 202
    finally:
        first.stop()  # the held evaluation is cancelled and stays pending
        gate.opened.set()
    second = ThreadedServer(settings).start()
    try:
        with Api(second.base_url) as api:
            body = report(api, session_id)
        assert body["status"] == "ready" and len(body["questions"]) == 3
    finally:
        second.stop()
