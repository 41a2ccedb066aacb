"""The webhook's signature and retry rules, against a receiver on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api.webhook import deliver, encode, sign, verify_signature

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


class _Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.headers.append(dict(self.headers))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    hook = _Receiver([])
    yield hook
    hook.httpd.shutdown()
    hook.httpd.server_close()


async def test_a_client_error_is_final_at_once(receiver: _Receiver) -> None:
    receiver.statuses = [400]
    outcome = await deliver(
        receiver.url, {"a": 1}, secret=SECRET, attempts=5, backoff=0, request_timeout=5
    )
    assert (outcome.delivered, outcome.attempts, outcome.last_error) == (False, 1, "HTTP 400")


async def test_rate_limits_are_retried_with_growing_backoff(receiver: _Receiver) -> None:
    receiver.statuses = [429, 503]
    began = time.monotonic()
    outcome = await deliver(
        receiver.url, {"a": 1}, secret=None, attempts=3, backoff=0.1, request_timeout=5
    )
    assert outcome.delivered and outcome.attempts == 3 and outcome.status_code == 200
    assert time.monotonic() - began >= 0.1 + 0.2
    # Without a secret the delivery is unsigned (and says when it was sent).
    assert all("X-Interviewer-Signature" not in h for h in receiver.headers)
    assert all(h["X-Interviewer-Timestamp"].isdigit() for h in receiver.headers)


async def test_an_unreachable_receiver_is_recorded_not_raised() -> None:
    outcome = await deliver(
        "http://127.0.0.1:9/hook", {"a": 1}, secret=SECRET, attempts=2, backoff=0, request_timeout=2
    )
    assert not outcome.delivered and outcome.attempts == 2
    assert outcome.last_error and "ConnectError" in outcome.last_error
