"""Bounds on what strangers can make the service hold: session creation per client address
(open mode), and the cursor of the paginated session list.

The rate limit is a token bucket per client address, per process: `rate` sessions a second on
average, `burst` at once. Several worker processes or replicas each keep their own buckets, so
the service-wide limit is that many times the setting (docs/OBSERVABILITY.md, "Limits"). The
session cap itself (INTERVIEWER_MAX_SESSIONS) is enforced by the database, in the insert.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_TRACKED_ADDRESSES = 10_000
"""Buckets kept at most; full ones are forgotten first (a full bucket is a fresh one)."""


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class CreateRateLimit:
    """Session creations per client address: `rate` a second on average, `burst` at once."""

    rate: float
    """Tokens added per second; 0 turns the limit off."""
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, address: str) -> int:
        """Take a token for `address`: 0 when granted, else the whole seconds until one is."""
        if self.rate <= 0:
            return 0
        now = self.clock()
        bucket = self._buckets.get(address)
        if bucket is None:
            self._forget_full(now)
            bucket = self._buckets[address] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) < MAX_TRACKED_ADDRESSES:
            return
        refill = self.burst / self.rate
        for address in [a for a, b in self._buckets.items() if now - b.stamp >= refill]:
            del self._buckets[address]
        if len(self._buckets) >= MAX_TRACKED_ADDRESSES:
            # Every address is mid-burst: forget the stalest; it gets a full bucket back.
            del self._buckets[min(self._buckets, key=lambda a: self._buckets[a].stamp)]


# --- the session list's cursor -----------------------------------------------------------------


class BadCursor(ValueError):
    """A cursor this service did not hand out."""


def encode_cursor(created_at: str, session_id: str) -> str:
    """The opaque cursor after the session (`created_at`, `session_id`) in list order."""
    raw = f"{created_at}\n{session_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """(created_at, session_id) of a cursor from `encode_cursor`; BadCursor otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    created_at, sep, session_id = raw.partition("\n")
    if not sep or not created_at or not session_id or "\n" in session_id:
        raise BadCursor(cursor)
    return created_at, session_id
