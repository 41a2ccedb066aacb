"""Saved sessions: a JSON document of the whole interview, in the database and in a file.

The database copy is what every replica can list and return (`/saved-sessions`); the file in the
sessions directory is the seed's `interview_sessions/` behaviour, kept for its clients.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.projections import history_of
from api.report_types import Reports
from api.sessions import SessionRow
from graph.context import ProviderName
from graph.llm import MODEL_NAME, describe
from graph.state import State

if TYPE_CHECKING:
    from api.interviews import InterviewService

logger = logging.getLogger(__name__)


def session_document(
    row: SessionRow,
    state: State | None,
    report: dict[str, Any] | None,
    *,
    provider: ProviderName,
) -> dict[str, Any]:
    """Everything an admin needs from a session, as one JSON-ready document (`provider`: the
    LLM provider serving, as graph.llm.describe names it)."""
    return {
        "session_id": row.session_id,
        "model_name": MODEL_NAME,
        "provider": provider,
        "created_at": row.created_at,
        "last_access": row.last_access,
        "saved_at": datetime.now(UTC).isoformat(),
        "settings": row.settings.model_dump(),
        "active": bool(state and state.active),
        "stage": state.stage if state else "created",
        "questions_asked": state.questions_asked if state else 0,
        "total_expected_questions": (
            state.total_expected_questions if state else row.total_expected_questions
        ),
        "potential_cheat_attempts": state.potential_cheat_attempts if state else 0,
        "cheat_events": [e.model_dump() for e in state.cheat_events] if state else [],
        "history": history_of(state) if state else [],
        "report": report,
    }


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


async def write_file(document: dict[str, Any], directory: Path) -> Path:
    """Write the document to `directory`; the file write runs off the event loop."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"interview_{document['session_id']}_{stamp}.json"
    await asyncio.to_thread(_write_atomically, path, document)
    return path


async def archive_session(
    service: InterviewService, row: SessionRow, reason: str, directory: Path | None = None
) -> Path | None:
    """Save the session as it is now (the caller holds its lease): database, then file.

    The database copy is the one that counts (every replica reads it); the file is the seed's
    courtesy copy. A file that cannot be written (a full disk, an unwritable folder) is logged
    and the save goes on: failing here made DELETE answer 500 after its document was stored,
    and the sweeper store another copy on every pass. None when no file was written.
    """
    _, state = await service.read(row.session_id)
    report = await Reports(service.repo).get(row.session_id)
    document = session_document(
        row,
        state,
        report.model_dump(mode="json") if report else None,
        provider=describe(service.context).name,
    )
    await service.repo.save_document(row.session_id, reason, document, row.generation)
    target = directory or service.sessions_dir
    if target is None:
        return None
    try:
        return await write_file(document, target)
    except OSError as exc:
        logger.error(
            "could not write the saved document of session %s to %s (%s); it is kept in the "
            "database (GET /saved-sessions/%s)",
            row.session_id,
            target,
            exc,
            row.session_id,
        )
        return None
