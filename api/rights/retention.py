"""Retention: what is past INTERVIEWER_RETENTION_DAYS is erased, by one replica at a time.

Every INTERVIEWER_RETENTION_INTERVAL_SECONDS the replica holding the `retention` duty (the
sweeper's mechanism, api/sessions/leases.py) erases, as `POST /erase` does, up to
INTERVIEWER_RETENTION_BATCH sessions whose last contact is older than the retention period:
finished interviews and invitations never started, then saved documents of deleted sessions.
A session on legal hold is never purged. Each purge is logged and leaves a tombstone with the
reason `retention`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from api.audit import SYSTEM, Actor
from api.config import Settings
from api.errors import Refused
from api.interviews import InterviewService
from api.rights.data import erase
from api.sessions import SessionBusy

logger = logging.getLogger(__name__)

RETENTION_DUTY = "retention"
SYSTEM_ACTOR = Actor("system:retention", SYSTEM.role)
"""The retention purge, as tombstones and the audit log name it."""


def cutoff(settings: Settings, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    return (moment - timedelta(days=settings.retention_days)).isoformat(timespec="microseconds")


async def purge_once(service: InterviewService, settings: Settings) -> list[str]:
    """Erase one batch of what is past retention; the sessions erased."""
    erased = []
    for session_id in await service.repo.retained(cutoff(settings), settings.retention_batch):
        try:
            await erase(service, session_id, SYSTEM_ACTOR, "retention")
        except (SessionBusy, Refused):
            continue  # in use (a turn, a save) or held meanwhile: the next pass sees it again
        except Exception:
            logger.exception("retention could not erase session %s", session_id)
            continue
        logger.info(
            "retention purged session %s (last contact over %g days ago)",
            session_id,
            settings.retention_days,
        )
        erased.append(session_id)
    return erased


async def run_retention(service: InterviewService, settings: Settings, owner: str) -> None:
    """Purge forever at the configured interval while this replica holds the duty."""
    leases = service.repo.leases
    duty = max(settings.retention_interval_seconds * leases.duty_periods, leases.shortest_duty)
    while True:
        await asyncio.sleep(settings.retention_interval_seconds)
        try:
            if await service.repo.claim_duty(RETENTION_DUTY, owner, duty):
                await purge_once(service, settings)
        except Exception:
            logger.exception("retention pass failed")
