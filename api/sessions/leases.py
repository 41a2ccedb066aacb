"""The lease policy: every rule about claims held in the database, in one object.

A *lease* is a session's claim (a turn, a reset, a delete, a save, an expiry): it lasts
`seconds` unless renewed, and a running turn renews it every `renew_every`. A change that meets
a busy session either answers 409 at once (requests) or waits for it (`wait_for`, the
background save). A *duty* is a replica-wide claim (the sweeper). An evaluation takes no lease,
but its pending report is a claim too: past `report_abandoned_after` with nobody making it
here, it counts as abandoned by its replica and is made again.

The policy is built once from the settings (`LeasePolicy.from_settings`) and handed to the
session repository; the service, the sweeper, the save route and the evaluations read it there.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from api.sessions.errors import SessionBusy

if TYPE_CHECKING:
    from api.config import Settings  # which takes its defaults from here

T = TypeVar("T")


@dataclass(frozen=True)
class LeasePolicy:
    """Durations, renewal, retry and abandonment of every claim the service makes."""

    seconds: float = 10.0
    """A session lease lasts this long unless renewed: how soon a crashed holder's session can
    be served again (INTERVIEWER_LEASE_SECONDS)."""
    renewals_per_lease: int = 3
    """A running turn renews its lease this many times per lease duration..."""
    shortest_renewal: float = 0.2
    """...but never more often than this (a very short lease in tests)."""
    busy_wait_seconds: float = 30.0
    """How long a background change (a save) waits for a busy session before giving up."""
    busy_poll_seconds: float = 0.25
    """How often it tries again meanwhile."""
    sweep_interval: float = 60.0
    """The sweeper's period (INTERVIEWER_SWEEP_INTERVAL_SECONDS); its duty outlives it."""
    duty_periods: float = 2.5
    """A duty lasts this many periods, so a few late renewals (a loaded event loop sleeps
    late) do not hand it over; it changes hands only when its holder has really stopped..."""
    shortest_duty: float = 10.0
    """...and lasts at least this long."""
    report_abandoned_after: float = 300.0
    """A report pending this long, and not being made in this process, was abandoned."""

    @classmethod
    def from_settings(cls, settings: Settings) -> LeasePolicy:
        return cls(seconds=settings.lease_seconds, sweep_interval=settings.sweep_interval_seconds)

    @property
    def renew_every(self) -> float:
        """How often a running turn renews its lease."""
        return max(self.shortest_renewal, self.seconds / self.renewals_per_lease)

    @property
    def duty_seconds(self) -> float:
        """How long the sweeper's duty lasts from each claim."""
        return self.duty_for(self.sweep_interval)

    def duty_for(self, period: float) -> float:
        """How long a duty renewed every `period` seconds lasts from each claim."""
        return max(period * self.duty_periods, self.shortest_duty)

    def report_abandoned(self, requested_at: str | None, now: datetime | None = None) -> bool:
        """Whether a pending report requested at `requested_at` (ISO 8601, UTC) is abandoned."""
        try:
            requested = datetime.fromisoformat(str(requested_at))
        except ValueError:
            return True
        if requested.tzinfo is None:
            requested = requested.replace(tzinfo=UTC)
        age = ((now or datetime.now(UTC)) - requested).total_seconds()
        return age > self.report_abandoned_after

    async def wait_for(self, claim: Callable[[], Awaitable[T]]) -> T:
        """`claim()`, tried again while the session is busy, for `busy_wait_seconds` at most
        (then SessionBusy, as the last try raised it)."""
        attempts = max(1, math.ceil(self.busy_wait_seconds / self.busy_poll_seconds))
        for _ in range(attempts - 1):
            try:
                return await claim()
            except SessionBusy:
                await asyncio.sleep(self.busy_poll_seconds)
        return await claim()
