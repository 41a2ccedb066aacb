"""An invitation's lifetime: a created session may be started until its `expires_at`.

The seed's idle rule (INTERVIEWER_SESSION_TIMEOUT_MINUTES) applies only once the interview has
started (api/sweeper.py); before that, the invitation lasts `invitation_days` (the session's
own, or the server's INTERVIEWER_INVITATION_DAYS). An expired invitation answers 410 on every
candidate route, its candidate token with it, until an admin extends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from api.sessions import SessionRow, now_iso
from graph.state import InterviewSettings

MAX_DAYS = 90.0
"""The longest an invitation may last, at creation or from an extension."""


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def expires_at(settings: InterviewSettings, server_days: float, created_at: str) -> str:
    """When an invitation created at `created_at` lapses (the session's days, else the
    server's)."""
    days = settings.invitation_days if settings.invitation_days is not None else server_days
    return _stamp(_at(created_at) + timedelta(days=days))


def extended(row: SessionRow, days: float, now: str | None = None) -> str:
    """The new `expires_at` after extending by `days`: from now when it has lapsed already,
    from the current expiry otherwise, never more than MAX_DAYS ahead of now."""
    current = _at(now or now_iso())
    base = max(current, _at(row.expires_at)) if row.expires_at else current
    return _stamp(min(base + timedelta(days=days), current + timedelta(days=MAX_DAYS)))


class Invitation(Protocol):
    """What the rule reads of a session (a row, or a row of the session list)."""

    @property
    def started(self) -> bool: ...
    @property
    def expires_at(self) -> str | None: ...


def is_expired(row: Invitation, now: str | None = None) -> bool:
    """Whether the invitation has lapsed: not started, and past its `expires_at`."""
    if row.started or row.expires_at is None:
        return False
    return (now or now_iso()) >= row.expires_at
