"""Issue 22, break 1: one dead evaluation process failed every later report until a restart.

`kill -9` of the `interview-eval` process made that report, the next three and a regenerate
answer `{"status": "failed", "error": {"code": "turn_failed", ..., "type": "BrokenProcessPool"}}`;
failed reports stayed failed after a restart; no webhook told anyone; the message spoke of a
"turn". Now the process is replaced, a failure is retried with a bounded backoff and at the next
start, a failure for good is a `report.failed` event, and the message says "evaluation".
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from api.evaluations import EvaluationRunner, run_evaluator
from tests.api.test_api_evaluation_process import _evaluation_processes
from tests.support.receiver import WebhookReceiver
from tests.support.server import Api, SubprocessServer, ThreadedServer, offline_settings, wait_until

SETTINGS: dict[str, Any] = {
    "behavioral_questions": 1,
    "technical_questions": 1,
    "skills": ["python"],
    "candidate_name": "Ana",
}


def _finish(api: Api) -> str:
    session_id = api.create(**SETTINGS)
    api.start_text(session_id)
    api.chat_text(session_id, "I build payment systems in Python and keep them reliable.")
    assert api.http.post(f"/end-interview/{session_id}").status_code == 200
    return session_id


class Failing:
    """An evaluation that fails its first `failures` calls (all, if None), then evaluates."""

    def __init__(self, failures: int | None = None) -> None:
        self.failures = failures
        self.calls = 0
        self._lock = threading.Lock()

    async def __call__(self, session_id: str, state: Any, context: Any) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            failing = self.failures is None or self.calls <= self.failures
        if failing:
            raise RuntimeError("evaluator crashed")
        return await run_evaluator(session_id, state, context)


def _runner(server: ThreadedServer) -> EvaluationRunner:
    runner: EvaluationRunner = server.app.state.evaluations
    return runner


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as hook:
        yield hook


def test_a_killed_evaluation_process_is_replaced_and_the_next_reports_are_made(
    make_process: Callable[..., SubprocessServer],
) -> None:
    server = make_process()
    assert server.process is not None
    with Api(server.base_url) as api:
        first = _finish(api)
        assert api.wait_report(first)["status"] == "ready"
        (dead,) = _evaluation_processes(server.process.pid)
        os.kill(dead, signal.SIGKILL)
        # Replaced within a second or so, before any evaluation needs it.
        replacement = wait_until(
            lambda: [p for p in _evaluation_processes(server.process.pid) if p != dead],  # type: ignore[union-attr]
            timeout=15,
            what="a new evaluation process",
        )
        assert len(replacement) == 1
        for _ in range(2):
            body = api.wait_report(_finish(api))
            assert body["status"] == "ready", body
        # Killed in the middle of an evaluation: that evaluation is tried again.
        session_id = _finish(api)
        for pid in _evaluation_processes(server.process.pid):
            os.kill(pid, signal.SIGKILL)
        assert api.wait_report(session_id)["status"] == "ready"
        regenerated = api.http.post(f"/report/{session_id}/regenerate")
        assert regenerated.status_code == 202
        assert api.wait_report(session_id)["status"] == "ready"


def test_a_failing_evaluation_is_retried_then_failed_for_good_with_a_report_failed_event(
    make_server: Callable[..., ThreadedServer], receiver: WebhookReceiver
) -> None:
    server = make_server(evaluation_attempts=3, webhook_url=receiver.url, webhook_backoff=0.05)
    failing = Failing()
    _runner(server).evaluate = failing
    with Api(server.base_url) as api:
        session_id = _finish(api)
        failed = api.wait_report(session_id)
        assert failed["status"] == "failed"
        assert failing.calls == 3  # bounded: three tries in all
        assert failed["error"]["code"] == "evaluation_failed"
        assert "evaluation" in failed["error"]["message"]
        assert "turn" not in failed["error"]["message"].lower()
        wait_until(lambda: receiver.accepted(), what="the report.failed event")
        (event,) = receiver.received
        assert event.event == "report.failed"
        sent = event.json()
        assert (sent["session_id"], sent["status"]) == (session_id, "failed")
        assert sent["error"]["code"] == "evaluation_failed"
        delivered = wait_until(
            lambda: (b := api.wait_report(session_id))["webhook"]["status"] == "delivered" and b,
            what="the delivery recorded",
        )
        assert delivered["webhook"]["delivery_id"] == event.delivery
    with closing(sqlite3.connect(server.settings.db_path)) as db:
        rows = db.execute(
            "SELECT details FROM interviewer_audit_log WHERE action = ? AND session_id = ?",
            ("report.failed", session_id),
        ).fetchall()
    assert [json.loads(details) for (details,) in rows] == [
        {"code": "evaluation_failed", "type": "RuntimeError"}
    ]


def test_an_evaluation_that_fails_once_is_made_by_its_retry(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(evaluation_attempts=3)
    failing = Failing(failures=1)
    _runner(server).evaluate = failing
    with Api(server.base_url) as api:
        body = api.wait_report(_finish(api))
    assert body["status"] == "ready" and failing.calls == 2
    assert body["webhook"]["status"] == "not_configured"


def test_a_failed_report_is_evaluated_again_at_the_next_start(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path, evaluation_attempts=1)
    first = ThreadedServer(settings).start()
    try:
        _runner(first).evaluate = Failing()
        with Api(first.base_url) as api:
            session_id = _finish(api)
            assert api.wait_report(session_id)["status"] == "failed"
    finally:
        first.stop()
    second = ThreadedServer(settings).start()
    try:
        with Api(second.base_url) as api:
            body = wait_until(
                lambda: (b := api.wait_report(session_id))["status"] == "ready" and b,
                timeout=60,
                what="the report made again at start-up",
            )
        assert len(body["questions"]) >= 1
    finally:
        second.stop()
