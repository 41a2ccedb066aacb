"""The webhook outbox: signatures, the retry rule, and deliveries stored before any attempt,
claimed one attempt at a time, resumed by the replica holding the outbox duty."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api import audit
from api.config import Settings
from api.sessions import LeasePolicy, SessionRepository, open_repository
from api.webhook import (
    NOT_CONFIGURED,
    OUTBOX_DUTY,
    Outbox,
    encode,
    next_step,
    sign,
    verify_signature,
)
from tests.support.postgres import fresh_database
from tests.support.receiver import WebhookReceiver

SECRET = "s3cret"


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = encode({"session_id": "x", "status": "ready"})
    signature = sign(SECRET, "1700000000", body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature(SECRET, "1700000000", body, signature, now=1700000100)
    # Another timestamp, body or secret does not verify; nor does a replay long after.
    assert not verify_signature(SECRET, "1700000001", body, signature, now=1700000100)
    assert not verify_signature(SECRET, "1700000000", body + b" ", signature, now=1700000100)
    assert not verify_signature("other", "1700000000", body, signature, now=1700000100)
    assert not verify_signature(SECRET, "1700000000", body, signature, now=1700000000 + 301)
    assert not verify_signature(SECRET, "soon", body, signature)


@pytest.mark.parametrize(
    ("status", "attempt", "expected"),
    [
        (200, 1, ("delivered", 0.0)),
        (204, 3, ("delivered", 0.0)),
        (400, 1, ("failed", 0.0)),  # a client error is final at once
        (410, 1, ("failed", 0.0)),
        (408, 1, ("pending", 0.5)),
        (429, 2, ("pending", 1.0)),  # the backoff doubles
        (503, 3, ("pending", 2.0)),
        (None, 1, ("pending", 0.5)),  # no answer at all
        (500, 4, ("failed", 0.0)),  # the attempts are used up
        (None, 5, ("failed", 0.0)),
    ],
)
def test_each_answer_is_delivered_retried_with_doubling_backoff_or_final(
    status: int | None, attempt: int, expected: tuple[str, float]
) -> None:
    assert next_step(status, attempt, attempts=4, backoff=0.5) == expected


# --- the outbox on a real database ------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as hook:
        yield hook


@pytest.fixture(params=["sqlite", "postgres"])
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionRepository]:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database()) if request.param == "postgres" else None
        repository = open_repository(url, str(tmp_path / "db.sqlite"), LeasePolicy(), 5)
        await repository.setup()
        yield repository
        await repository.close()


@pytest.fixture
async def outboxes(
    repo: SessionRepository, receiver: WebhookReceiver
) -> AsyncIterator[Callable[..., Outbox]]:
    made: list[Outbox] = []

    def make(owner: str = "replica-a", **overrides: Any) -> Outbox:
        values: dict[str, Any] = {
            "webhook_url": receiver.url,
            "webhook_secret": SECRET,
            "webhook_backoff": 0.05,
            "webhook_attempts": 3,
            "webhook_timeout": 2,
        }
        settings = Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]
        outbox = Outbox(repo, settings, owner)
        made.append(outbox)
        return outbox

    yield make
    for outbox in made:
        await outbox.close()


async def _until(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := await check() if asyncio.iscoroutinefunction(check) else check():
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_an_event_is_stored_before_any_attempt_and_sent_signed_with_its_id(
    outboxes: Callable[..., Outbox], receiver: WebhookReceiver, repo: SessionRepository
) -> None:
    outbox = outboxes()
    stored = await outbox.store("report.failed", {"session_id": "s", "status": "failed"})
    assert stored.status == "pending" and stored.delivery_id and stored.attempts == 0
    row = await repo.delivery(stored.delivery_id)
    assert row is not None and row.state == "pending" and receiver.received == []

    outbox.start(stored)
    await _until(lambda: receiver.received)
    (got,) = receiver.received
    assert (got.event, got.delivery, got.verified) == ("report.failed", stored.delivery_id, True)
    assert got.json() == {"session_id": "s", "status": "failed"}

    async def delivered() -> Any:
        now = await outbox.outcome(stored.delivery_id or "")
        return now if now and now.status == "delivered" else None

    outcome = await _until(delivered)
    assert outcome.delivered and outcome.attempts == 1 and outcome.status_code == 200
    assert await repo.outbox_depth() == 0
    entries = await _audited(repo)
    assert [(e.action, e.actor) for e in entries] == [("webhook.delivered", "system")]
    assert json.loads(entries[0].details)["delivery_id"] == stored.delivery_id


async def _audited(repo: SessionRepository) -> list[Any]:
    async def entries() -> list[Any]:
        return [row async for row in audit.chain(repo)]

    await _until(entries)  # the audit entry follows the recorded outcome
    return await entries()


async def test_retries_keep_the_delivery_id_and_a_final_failure_is_recorded(
    outboxes: Callable[..., Outbox], receiver: WebhookReceiver, repo: SessionRepository
) -> None:
    receiver.statuses = [500, 500, 500]
    outbox = outboxes()
    sent = await outbox.send("report.ready", {"session_id": "s"}, session_id="s")

    async def finished() -> Any:
        now = await outbox.outcome(sent.delivery_id or "")
        return now if now and now.status != "pending" else None

    outcome = await _until(finished)
    assert (outcome.status, outcome.delivered, outcome.attempts) == ("failed", False, 3)
    assert (outcome.status_code, outcome.last_error) == (500, "HTTP 500")
    assert [r.delivery for r in receiver.received] == [sent.delivery_id] * 3
    (entry,) = await _audited(repo)
    assert (entry.action, entry.session_id) == ("webhook.failed", "s")
    assert json.loads(entry.details) == {
        "event": "report.ready",
        "delivery_id": sent.delivery_id,
        "attempts": 3,
        "status_code": 500,
        "error": "HTTP 500",
    }


async def test_without_a_webhook_url_nothing_is_stored_and_the_outcome_says_not_configured(
    outboxes: Callable[..., Outbox], repo: SessionRepository
) -> None:
    outbox = outboxes(webhook_url=None)
    outcome = await outbox.send("report.ready", {"session_id": "s"})
    assert outcome == NOT_CONFIGURED and outcome.status == "not_configured"
    assert outcome.model_dump()["status"] != "failed"  # not configured is not "not delivered"
    assert await repo.outbox_depth() == 0


async def test_the_metrics_outbox_depth_counts_the_deliveries_still_pending(
    outboxes: Callable[..., Outbox], repo: SessionRepository
) -> None:
    # Stored and not started: pending until a replica delivers it (/metrics reads this).
    await outboxes().store("report.ready", {"session_id": "s"}, session_id="s")
    await outboxes().store("report.failed", {"session_id": "t"}, session_id="t")
    assert (await repo.metrics_counts()).outbox == 2


async def test_an_unknown_event_type_is_refused(outboxes: Callable[..., Outbox]) -> None:
    with pytest.raises(ValueError, match="unknown webhook event"):
        await outboxes().send("report.exploded", {})


async def test_a_stored_event_nobody_started_is_delivered_by_the_replica_holding_the_duty(
    outboxes: Callable[..., Outbox], receiver: WebhookReceiver, repo: SessionRepository
) -> None:
    # A process stored the event and died before its first attempt.
    stored = await outboxes("dead-replica").store("report.ready", {"session_id": "s"})
    assert await repo.claim_duty(OUTBOX_DUTY, "dead-replica", 0.01)
    await asyncio.sleep(0.05)  # its duty lapses
    a, b = outboxes("replica-a"), outboxes("replica-b")
    assert await a.deliver_due() == 1
    assert await b.deliver_due() == 0  # one replica holds the duty
    await _until(lambda: receiver.accepted())
    await asyncio.sleep(0.2)
    assert [r.delivery for r in receiver.received] == [stored.delivery_id]


async def test_two_processes_driving_one_delivery_make_each_attempt_once(
    outboxes: Callable[..., Outbox], receiver: WebhookReceiver
) -> None:
    receiver.statuses = [503]
    stored = await outboxes("replica-a").store("report.ready", {"session_id": "s"})
    for owner in ("replica-a", "replica-b", "replica-c"):
        outboxes(owner).start(stored)
    await _until(lambda: receiver.accepted())
    await asyncio.sleep(0.3)
    assert [r.answered for r in receiver.received] == [503, 200]


async def test_an_unreachable_receiver_is_recorded_not_raised(
    outboxes: Callable[..., Outbox],
) -> None:
    outbox = outboxes(webhook_url="http://127.0.0.1:9/hook", webhook_attempts=2)
    sent = await outbox.send("report.ready", {"a": 1})

    async def finished() -> Any:
        now = await outbox.outcome(sent.delivery_id or "")
        return now if now and now.status == "failed" else None

    outcome = await _until(finished)
    assert not outcome.delivered and outcome.attempts == 2
    assert outcome.last_error and "ConnectError" in outcome.last_error
