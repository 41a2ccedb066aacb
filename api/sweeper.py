"""Idle sessions are saved and removed in the background, by one replica at a time."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from api import audit
from api.archive import archive_session
from api.config import Settings
from api.interviews import InterviewService
from api.sessions import SessionBusy, SessionNotFound, SessionRepository

logger = logging.getLogger(__name__)

SWEEPER_DUTY = "sweeper"


def replica_name() -> str:
    """This process, as other replicas see it in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


async def sweep_once(service: InterviewService, settings: Settings) -> int:
    """Save and remove every session idle longer than the timeout; returns how many.

    Each expiry takes the session's lease and checks the idleness again under it, so a turn
    that started (or committed) in the meantime is never expired under the candidate's feet.
    """
    cutoff = (
        datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=settings.session_timeout_minutes)
    ).isoformat(timespec="microseconds")
    repo = service.repo
    removed = 0
    for session_id in await repo.idle_since(cutoff):
        try:
            lease = await service.locked(session_id, "expire")
        except (SessionBusy, SessionNotFound):
            continue
        try:
            row = await repo.get(session_id)
            if row is None or row.last_access >= cutoff:
                await service.release(lease)
                continue
            path = await archive_session(service, row, reason="expired")
            await repo.delete(lease)
        except Exception:
            logger.exception("could not expire idle session %s", session_id)
            await service.release(lease)
            continue
        logger.info("expired idle session %s, saved to %s", session_id, path)
        await _audited(repo, "session.expired", session_id)
        removed += 1
    try:
        await repo.prune_deleted()
    except Exception:
        logger.exception("pruning checkpoints of deleted sessions failed")
    try:
        await audit.purge_expired(repo, settings.audit_retention_days)
    except Exception:
        logger.exception("removing audit entries past their retention failed")
    return removed


async def _audited(repo: SessionRepository, action: str, session_id: str) -> None:
    try:
        await audit.append(repo, audit.SYSTEM, action, session_id=session_id)
    except Exception:
        logger.exception("could not record %s of %s in the audit log", action, session_id)


async def run_sweeper(service: InterviewService, settings: Settings, owner: str) -> None:
    """Sweep forever at the configured interval while this replica holds the sweeper duty."""
    while True:
        await asyncio.sleep(settings.sweep_interval_seconds)
        try:
            # The duty outlives a few missed renewals (LeasePolicy.duty_seconds).
            if await service.repo.claim_duty(SWEEPER_DUTY, owner, service.repo.leases.duty_seconds):
                await sweep_once(service, settings)
        except Exception:
            logger.exception("session sweep failed")
