"""Webhook events through an outbox: stored before the first attempt, delivered once at least.

Anything that tells the hiring team's systems about an event calls `Outbox.send` (or
`store` + `start`) with an event type of `EVENTS` and its JSON payload: the event is written to
`interviewer_webhook_deliveries` first, then POSTed to INTERVIEWER_WEBHOOK_URL, retried, and
resumed after a restart by whichever replica holds the outbox duty (api/sessions/leases.py). A
server stopped or killed between attempts loses nothing.

The request is `POST <url>` with the payload as its JSON body (for `report.ready`, the report
itself, as before the outbox) and these headers:

* `X-Interviewer-Event`: the event type (`report.ready`, `report.failed`, ...);
* `X-Interviewer-Delivery`: the delivery id, the same for every attempt of one event, also
  after a restart: a receiver that has seen it drops the request (a delivery whose answer was
  lost is sent again; delivery is at least once);
* `X-Interviewer-Timestamp`: Unix time in seconds when this attempt was sent;
* `X-Interviewer-Signature`: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, where
  `body` is the exact bytes received (only with INTERVIEWER_WEBHOOK_SECRET set).

A receiver recomputes the HMAC over the raw body it received and compares in constant time
(`verify_signature` does exactly that), and rejects timestamps too far from its clock, so a
captured request cannot be replayed later. Any 2xx answer is a delivery; a network error, a
timeout, 408, 429 or 5xx is retried after `backoff * 2**(attempt - 1)` seconds, up to `attempts`
tries in all; any other status is final at once (`next_step` decides).

Each attempt is claimed in the database first (`SessionRepository.claim_delivery`), so two
processes never send the same attempt; a process that dies mid-attempt holds it for the
attempt's timeout and a few seconds more, then another takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from pydantic import BaseModel

from api import audit
from api.config import Settings
from api.sessions import DeliveryRow, SessionRepository
from api.sessions.base import DeliveryState
from graph.evaluation.report import WebhookOutcome

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Interviewer-Signature"
TIMESTAMP_HEADER = "X-Interviewer-Timestamp"
EVENT_HEADER = "X-Interviewer-Event"
DELIVERY_HEADER = "X-Interviewer-Delivery"
_RETRIED = frozenset({408, 429})

OUTBOX_DUTY = "webhook-outbox"
"""The replica-wide duty of resuming deliveries (interviewer_duties)."""
HOLD_MARGIN_SECONDS = 5.0
"""An attempt is held this long past its timeout before another process may take it over."""
DUE_BATCH = 100
"""Deliveries the outbox's replica takes up per look."""
MAX_CONCURRENT_ATTEMPTS = 16
"""Attempts in flight at once in one process."""
CLOCK_SLACK_SECONDS = 0.02
"""Waited past a retry's due time, so the database's clock agrees it is due."""


@dataclass(frozen=True)
class EventType:
    """One kind of webhook event: its name on the wire and what it says."""

    name: str
    when: str
    body: str


EVENTS: tuple[EventType, ...] = (
    EventType(
        "report.ready",
        "An interview's evaluation report is ready.",
        "The report, as GET /report/{session_id} serves it.",
    ),
    EventType(
        "decision.recorded",
        "A person decided on an interview (advance, reject or hold), beside the AI's "
        "recommendation.",
        "`session_id`, the `decision`, its `reason`, `decided_by`, `role`, `at` and the "
        "`ai_recommendation` it stands beside.",
    ),
    EventType(
        "accommodation.requested",
        "A candidate asked for another process or an accommodation; the interview is paused.",
        "`session_id`, `candidate_name`, `job_position`, the request's `text` and `requested_at`.",
    ),
    EventType(
        "report.failed",
        "An interview's evaluation failed for good: its automatic retries are used up.",
        "The failed report (`status: failed`, its `error`); POST /report/{id}/regenerate.",
    ),
)
"""Every event the service sends: add a row for a new one (other modules send it by name)."""

EVENT_TYPES: dict[str, EventType] = {event.name: event for event in EVENTS}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the HMAC matches and the timestamp is recent."""
    try:
        sent = float(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def next_step(
    status: int | None, attempt: int, attempts: int, backoff: float
) -> tuple[DeliveryState, float]:
    """After attempt `attempt` (1, 2, ...) answered `status` (None: no answer): the delivery's
    state and, while pending, the seconds until the next attempt."""
    if status is not None and 200 <= status < 300:
        return "delivered", 0.0
    retryable = status is None or status >= 500 or status in _RETRIED
    if retryable and attempt < attempts:
        return "pending", backoff * 2 ** (attempt - 1)
    return "failed", 0.0


def outcome_of(row: DeliveryRow) -> WebhookOutcome:
    """A delivery as the report's `webhook` field tells it."""
    return WebhookOutcome(
        status=row.state,
        delivery_id=row.delivery_id,
        delivered=row.state == "delivered",
        attempts=row.attempts,
        last_error=row.last_error,
        status_code=row.status_code,
        delivered_at=row.delivered_at,
    )


NOT_CONFIGURED = WebhookOutcome(status="not_configured", delivered=False, attempts=0)


class Outbox:
    """The webhook outbox of one process: stores events, delivers them, resumes the due ones
    while it holds the outbox duty."""

    def __init__(self, repo: SessionRepository, settings: Settings, owner: str) -> None:
        self.repo = repo
        self.settings = settings
        self.owner = owner
        self._driving: dict[str, asyncio.Task[None]] = {}
        self._gate = asyncio.Semaphore(MAX_CONCURRENT_ATTEMPTS)
        self._client: httpx.AsyncClient | None = None
        self._closed = False
        self._holds_duty = False

    @property
    def configured(self) -> bool:
        return bool(self.settings.webhook_url)

    # --- sending -------------------------------------------------------------------------

    async def send(
        self,
        event: str,
        payload: Mapping[str, Any] | BaseModel,
        *,
        session_id: str | None = None,
    ) -> WebhookOutcome:
        """Store the event and start delivering it; the outcome so far (`pending` with the
        delivery id, or `not_configured` without a webhook URL: then nothing is stored)."""
        outcome = await self.store(event, payload, session_id=session_id)
        self.start(outcome)
        return outcome

    async def store(
        self,
        event: str,
        payload: Mapping[str, Any] | BaseModel,
        *,
        session_id: str | None = None,
    ) -> WebhookOutcome:
        """Store the event for delivery without starting it (`start`): a caller that records
        the outcome somewhere first, so no answer can arrive before it is recorded. Stored,
        it is delivered even if `start` never runs (the outbox's replica takes it up)."""
        if event not in EVENT_TYPES:
            raise ValueError(f"unknown webhook event {event!r}: add it to api.webhook.EVENTS")
        if not self.configured:
            return NOT_CONFIGURED
        body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        delivery_id = str(uuid.uuid4())
        await self.repo.add_delivery(delivery_id, event, session_id, dict(body))
        return WebhookOutcome(
            status="pending", delivery_id=delivery_id, delivered=False, attempts=0
        )

    def start(self, outcome: WebhookOutcome) -> None:
        """Deliver a stored event in the background (nothing for `not_configured`)."""
        if outcome.delivery_id is not None:
            self._drive_soon(outcome.delivery_id)

    async def outcome(self, delivery_id: str) -> WebhookOutcome | None:
        """How the delivery has gone so far; None if it is not in the outbox."""
        row = await self.repo.delivery(delivery_id)
        return None if row is None else outcome_of(row)

    async def current(self, outcome: WebhookOutcome | None) -> WebhookOutcome | None:
        """`outcome` as it stands now (a stored report's `webhook` is its first attempt's)."""
        if outcome is None or outcome.delivery_id is None or outcome.status != "pending":
            return outcome
        return await self.outcome(outcome.delivery_id) or outcome

    # --- delivering ----------------------------------------------------------------------

    def _drive_soon(self, delivery_id: str) -> None:
        if self._closed or delivery_id in self._driving:
            return
        self._driving[delivery_id] = asyncio.create_task(
            self._drive(delivery_id), name=f"webhook-{delivery_id}"
        )

    @property
    def _hold(self) -> float:
        return self.settings.webhook_timeout + HOLD_MARGIN_SECONDS

    async def _drive(self, delivery_id: str) -> None:
        """Attempt the delivery until it is delivered, fails, or another process has it."""
        try:
            while not self._closed:
                attempt = await self.repo.claim_delivery(delivery_id, self._hold)
                if attempt is None:
                    return  # done, not due yet, or being attempted elsewhere
                row = await self.repo.delivery(delivery_id)
                if row is None:
                    return
                async with self._gate:
                    status, error = await self._post(row)
                settings = self.settings
                state, retry_in = next_step(
                    status, attempt, settings.webhook_attempts, settings.webhook_backoff
                )
                recorded = await self.repo.record_delivery_attempt(
                    delivery_id,
                    attempt,
                    state,
                    retry_in=retry_in,
                    last_error=error,
                    status_code=status,
                    delivered_at=datetime.now(UTC).isoformat() if state == "delivered" else None,
                )
                if not recorded:
                    return  # held too long: another process took the delivery over
                await self._report(row, state, attempt, status, error)
                if state != "pending":
                    return
                await asyncio.sleep(retry_in + CLOCK_SLACK_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The database failed: the delivery stays stored and the outbox's replica resumes it.
            logger.exception("webhook delivery %s interrupted", delivery_id)
        finally:
            self._driving.pop(delivery_id, None)

    async def _post(self, row: DeliveryRow) -> tuple[int | None, str | None]:
        """One attempt: the answer's status (None: no answer) and the error, if it failed."""
        url = self.settings.webhook_url
        assert url is not None
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.webhook_timeout, follow_redirects=False
            )
        body = encode(row.payload)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            EVENT_HEADER: row.event,
            DELIVERY_HEADER: row.delivery_id,
        }
        secret = self.settings.webhook_secret
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret.get_secret_value(), timestamp, body)
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        status = response.status_code
        return status, None if 200 <= status < 300 else f"HTTP {status}"

    async def _report(
        self,
        row: DeliveryRow,
        state: DeliveryState,
        attempt: int,
        status: int | None,
        error: str | None,
    ) -> None:
        """Log and audit a delivery's end (a pending one has not ended)."""
        if state == "pending":
            return
        if state == "delivered":
            logger.info("webhook %s %s delivered (attempt %d)", row.event, row.delivery_id, attempt)
        else:
            logger.warning(
                "webhook %s %s of session %s not delivered after %d attempt(s): %s",
                row.event,
                row.delivery_id,
                row.session_id,
                attempt,
                error,
            )
        details: dict[str, Any] = {
            "event": row.event,
            "delivery_id": row.delivery_id,
            "attempts": attempt,
            "status_code": status,
        }
        if error is not None:
            details["error"] = error[: audit.MAX_DETAIL_CHARS]
        try:
            await audit.append(
                self.repo,
                audit.SYSTEM,
                f"webhook.{state}",
                session_id=row.session_id,
                details=details,
            )
        except Exception:
            logger.exception("could not audit webhook %s %s", row.delivery_id, state)

    # --- the outbox's replica ------------------------------------------------------------

    async def deliver_due(self) -> int:
        """If this replica holds the outbox duty, start every due delivery; how many."""
        period = self.settings.webhook_poll_seconds
        duty = self.repo.leases.duty_for(period)
        self._holds_duty = await self.repo.claim_duty(OUTBOX_DUTY, self.owner, duty)
        if not self._holds_duty:
            return 0
        due = [d for d in await self.repo.due_deliveries(DUE_BATCH) if d not in self._driving]
        for delivery_id in due:
            self._drive_soon(delivery_id)
        return len(due)

    async def run(self) -> None:
        """Resume deliveries (a restart's, a stopped replica's) every poll interval, on the
        replica that holds the outbox duty; from the start, so a restart resumes at once."""
        if not self.configured:
            return
        while not self._closed:
            try:
                await self.deliver_due()
            except Exception:
                logger.exception("the webhook outbox could not look for due deliveries")
            await asyncio.sleep(self.settings.webhook_poll_seconds)

    async def close(self) -> None:
        """Stop: deliveries in progress stay stored and are resumed; the duty is given up."""
        self._closed = True
        tasks = list(self._driving.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._holds_duty:
            with contextlib.suppress(Exception):
                await self.repo.release_duty(OUTBOX_DUTY, self.owner)
        if self._client is not None:
            await self._client.aclose()


async def get_outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox


OutboxDep = Annotated[Outbox, Depends(get_outbox)]
"""The outbox, for a route that sends an event: `await outbox.send("decision.recorded", ...)`."""
