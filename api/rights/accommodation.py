"""A request for another process or an accommodation, and what it does to the interview.

The candidate asks (`POST /accommodation/{id}` with a short text): the interview pauses (its
turns answer 409 saying why), the request shows in `/sessions`, `/interview-status` and the
console, and an `accommodation.requested` event goes to the webhook. An admin then resumes the
interview or closes it (`POST /accommodation/{id}/resolve`). The states, one place:
"""

from __future__ import annotations

from typing import Literal

from api.sessions import SessionRow

AccommodationStatus = Literal["requested", "resumed", "closed"]
STATUSES: dict[AccommodationStatus, str] = {
    "requested": "asked for; the interview is paused until the hiring team resolves it",
    "resumed": "resolved: the interview goes on",
    "closed": "resolved: the interview is closed, the hiring team offers another process",
}
Resolution = Literal["resume", "close"]
RESOLVED_AS: dict[Resolution, AccommodationStatus] = {"resume": "resumed", "close": "closed"}
MAX_TEXT_CHARS = 2000


def accommodation_status(row: SessionRow) -> AccommodationStatus | None:
    """The session's request state (None: never asked)."""
    if not row.accommodation:
        return None
    status = row.accommodation.get("status")
    return status if status in STATUSES else None
