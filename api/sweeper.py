"""Idle sessions are saved to a file and removed, in the background."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from api.archive import save_session
from api.config import Settings
from api.interviews import InterviewService
from api.store import SessionStore

logger = logging.getLogger(__name__)


async def sweep_once(service: InterviewService, store: SessionStore, settings: Settings) -> int:
    """Save and remove every session idle longer than the timeout; returns how many."""
    cutoff = (
        datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=settings.session_timeout_minutes)
    ).isoformat(timespec="microseconds")
    removed = 0
    for session_id in await store.idle_since(cutoff):
        if service.is_busy(session_id):
            continue
        row = await store.get(session_id)
        if row is None:
            continue
        try:
            path = await save_session(service, row, settings.sessions_dir)
            await service.delete(session_id)
            await store.delete(session_id)
        except Exception:
            logger.exception("could not expire idle session %s", session_id)
            continue
        logger.info("expired idle session %s, saved to %s", session_id, path)
        removed += 1
    return removed


async def run_sweeper(service: InterviewService, store: SessionStore, settings: Settings) -> None:
    """Sweep forever at the configured interval (cancelled at shutdown)."""
    while True:
        await asyncio.sleep(settings.sweep_interval_seconds)
        try:
            await sweep_once(service, store, settings)
        except Exception:
            logger.exception("session sweep failed")
