"""The OpenAPI examples of the candidate-rights models (api/openapi.py shows them)."""

from __future__ import annotations

from typing import Any

_SID = "0f8fad5b-d9cb-469f-a165-70867728950e"
_AT = "2026-12-02T09:30:00.000000"
_CATEGORIES = ["settings", "invitation", "transcript", "report"]

RIGHTS_EXAMPLES: dict[str, dict[str, Any]] = {
    "NoticeOut": {
        "version": "3f1c9a0b7d2e4c51",
        "text": "# Before you begin: an AI interviewer\n\nThis interview is run by Mia, ...",
        "required": False,
        "consented_at": None,
        "consented_version": None,
    },
    "ConsentIn": {"notice_version": "3f1c9a0b7d2e4c51"},
    "ConsentOut": {"session_id": _SID, "consented_at": _AT, "notice_version": "3f1c9a0b7d2e4c51"},
    "ExtendIn": {"days": 3},
    "InvitationOut": {
        "session_id": _SID,
        "expires_at": "2026-12-09T09:30:00.000000",
        "expired": False,
        "started": False,
    },
    "AccommodationIn": {"text": "I use a screen reader; could I have more time per answer?"},
    "ResolveIn": {"action": "resume"},
    "AccommodationOut": {
        "session_id": _SID,
        "status": "requested",
        "text": "I use a screen reader; could I have more time per answer?",
        "requested_at": _AT,
        "resolved_at": None,
        "message": "Your request was sent to the hiring team. The interview is paused until "
        "they answer.",
    },
    "LegalHoldIn": {"hold": True},
    "LegalHoldOut": {"session_id": _SID, "legal_hold": True, "held_at": _AT, "held_by": "admin"},
    "Tombstone": {
        "session_id": _SID,
        "erased_at": _AT,
        "erased_by": "admin",
        "reason": "request",
        "categories": _CATEGORIES,
    },
    "CandidateData": {
        "session_id": _SID,
        "exported_at": _AT,
        "categories": {"settings": "The hiring team's settings: ..."},
        "data": {"settings": {"job_position": "Backend Engineer", "candidate_name": "Ana"}},
    },
}
