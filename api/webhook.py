"""Delivering a ready report to INTERVIEWER_WEBHOOK_URL, signed, with bounded retries.

The request is `POST <url>` with the report as its JSON body and these headers:

* `X-Interviewer-Timestamp`: Unix time in seconds when this attempt was sent;
* `X-Interviewer-Signature`: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, where
  `body` is the exact bytes received (only with INTERVIEWER_WEBHOOK_SECRET set);
* `X-Interviewer-Event: report.ready` and `X-Interviewer-Delivery` (one id for all attempts).

A receiver recomputes the HMAC over the raw body it received and compares in constant time
(`verify_signature` does exactly that), and rejects timestamps too far from its clock, so a
captured request cannot be replayed later. Any 2xx answer is a delivery; a network error, a
timeout, 408, 429 or 5xx is retried after `backoff * 2**(attempt - 1)` seconds, up to `attempts`
tries in all; any other status is final at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from graph.evaluation.report import WebhookOutcome

SIGNATURE_HEADER = "X-Interviewer-Signature"
TIMESTAMP_HEADER = "X-Interviewer-Timestamp"
_RETRIED = frozenset({408, 429})


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


def encode(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode()


async def deliver(
    url: str,
    report: dict[str, Any],
    *,
    secret: str | None,
    attempts: int,
    backoff: float,
    request_timeout: float,
    event: str = "report.ready",
) -> WebhookOutcome:
    """POST the report (or another event's body, named by `event`: `decision.recorded`) until
    it is accepted or the attempts run out; never raises."""
    body = encode(report)
    delivery = str(uuid.uuid4())
    last_error: str | None = None
    status: int | None = None
    tried = 0
    async with httpx.AsyncClient(timeout=request_timeout, follow_redirects=False) as client:
        for tried in range(1, attempts + 1):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                "X-Interviewer-Event": event,
                "X-Interviewer-Delivery": delivery,
            }
            if secret:
                headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                status, last_error = None, f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return WebhookOutcome(
                        delivered=True,
                        attempts=tried,
                        status_code=status,
                        delivered_at=datetime.now(UTC).isoformat(),
                    )
                last_error = f"HTTP {status}"
                if status < 500 and status not in _RETRIED:
                    break
            if tried < attempts:
                await asyncio.sleep(backoff * 2 ** (tried - 1))
    return WebhookOutcome(
        delivered=False, attempts=tried, last_error=last_error, status_code=status
    )
