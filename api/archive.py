"""Saving a session's interview to a JSON file in the sessions directory."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.interviews import InterviewService
from api.projections import history_of
from api.store import SessionRow
from graph.llm import MODEL_NAME


async def session_document(service: InterviewService, row: SessionRow) -> dict[str, Any]:
    """Everything an admin needs from a session, as one JSON-ready document."""
    state = await service.state(row.session_id)
    return {
        "session_id": row.session_id,
        "model_name": MODEL_NAME,
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
        "report": (await service.reports.get_report(row.session_id) if service.reports else None),
    }


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


async def save_session(service: InterviewService, row: SessionRow, directory: Path) -> Path:
    """Write the session's document to `directory`; the file write runs off the event loop."""
    document = await session_document(service, row)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"interview_{row.session_id}_{stamp}.json"
    await asyncio.to_thread(_write_atomically, path, document)
    return path
