"""What the session repository raises: the API maps each to a status (api/main.py)."""

from __future__ import annotations


class SessionNotFound(Exception):
    """No such session (or it was deleted)."""


class SessionBusy(Exception):
    """Another change of this session holds its lease (a reply is still being generated)."""

    def __init__(self, session_id: str, purpose: str | None = "turn") -> None:
        super().__init__(session_id)
        self.session_id = session_id
        self.purpose = purpose or "turn"


class LeaseLost(Exception):
    """The lease expired and another holder took the session: this change was not committed."""
