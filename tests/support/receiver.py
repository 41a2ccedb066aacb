"""A webhook receiver on loopback that answers with the statuses a test scripts and records every
request it got (its event, delivery id, body and whether the signature verifies)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from api.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)


@dataclass(frozen=True)
class Received:
    event: str
    delivery: str
    body: bytes
    answered: int
    verified: bool

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Answers each POST with the next of `statuses` (then 200); `secret` checks signatures."""

    def __init__(self, statuses: list[int] | None = None, secret: str = "") -> None:
        self.statuses = list(statuses or [])
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    signature = self.headers.get(SIGNATURE_HEADER) or ""
                    receiver.received.append(
                        Received(
                            event=self.headers.get(EVENT_HEADER, ""),
                            delivery=self.headers.get(DELIVERY_HEADER, ""),
                            body=body,
                            answered=status,
                            verified=bool(secret)
                            and verify_signature(
                                secret, self.headers[TIMESTAMP_HEADER], body, signature
                            ),
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/interviews"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def accepted(self) -> list[Received]:
        """The requests it answered with a 2xx."""
        return [r for r in self.received if 200 <= r.answered < 300]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
