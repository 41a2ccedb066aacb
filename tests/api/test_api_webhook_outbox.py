"""Issue 22, break 3: a webhook is not lost when the server stops between attempts.

Before the outbox, the delivery lived only in the server's memory: receiver answers 500, server
stopped after attempt 1 (SIGKILL or SIGTERM), and after the restart the report was ready with
`"webhook": null` and no delivery ever arrived. Now the event is stored before its first attempt
and the restarted server resumes it, with the same delivery id.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.receiver import WebhookReceiver
from tests.support.server import Api, SubprocessServer, wait_until

SECRET = "outbox-secret"
SETTINGS: dict[str, Any] = {
    "behavioral_questions": 1,
    "technical_questions": 1,
    "skills": ["python"],
    "candidate_name": "Ana",
}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(statuses=[500], secret=SECRET) as hook:
        yield hook


def _finish_one(api: Api) -> str:
    session_id = api.create(**SETTINGS)
    api.start_text(session_id)
    api.chat_text(session_id, "I build payment systems in Python and keep them reliable.")
    assert api.http.post(f"/end-interview/{session_id}").status_code == 200
    return session_id


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_delivery_cut_by_a_stop_arrives_once_after_the_restart_with_its_delivery_id(
    make_process: Callable[..., SubprocessServer], receiver: WebhookReceiver, sig: int
) -> None:
    env = {
        "INTERVIEWER_WEBHOOK_URL": receiver.url,
        "INTERVIEWER_WEBHOOK_SECRET": SECRET,
        # The retry is due after the stop: only the restarted server can make it.
        "INTERVIEWER_WEBHOOK_BACKOFF": "5",
        "INTERVIEWER_WEBHOOK_ATTEMPTS": "3",
        "INTERVIEWER_WEBHOOK_TIMEOUT": "2",
        "INTERVIEWER_WEBHOOK_POLL_SECONDS": "0.2",
    }
    first = make_process(**env)
    with Api(first.base_url) as api:
        session_id = _finish_one(api)
        wait_until(lambda: receiver.received, timeout=60, what="the first attempt")
        stored = api.wait_report(session_id)
    assert stored["status"] == "ready"
    assert stored["webhook"]["status"] == "pending"  # answered 500: not delivered yet
    delivery_id = stored["webhook"]["delivery_id"]
    if sig == signal.SIGKILL:
        first.kill()
    else:
        first.stop(sig)
    assert [r.answered for r in receiver.received] == [500]

    second = make_process(**env)
    with Api(second.base_url) as api:

        def delivered() -> dict[str, Any] | None:
            body = api.wait_report(session_id)
            return body if body["webhook"]["status"] == "delivered" else None

        body = wait_until(delivered, timeout=60, what="the resumed delivery")
    time.sleep(0.5)  # nothing more arrives
    accepted = receiver.accepted()
    assert len(accepted) == 1, receiver.received
    assert {r.delivery for r in receiver.received} == {delivery_id}
    assert accepted[0].event == "report.ready" and accepted[0].verified
    assert accepted[0].json()["session_id"] == session_id
    assert body["webhook"]["delivery_id"] == delivery_id and body["webhook"]["attempts"] == 2
