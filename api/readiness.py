"""GET /readyz: whether this replica can serve now (for a load balancer), unlike /healthz, which
only says the process answers (for a supervisor that restarts dead processes).

Ready means: the database answers a trivial statement within `DATABASE_PROBE_SECONDS`, the
evaluation process is alive (a dead one is replaced within a second), and the replica is not
draining (stopping). Otherwise 503 with the reason, so it is taken out of rotation until it
recovers; nothing here restarts anything.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.evaluations import EvaluationRunner
from api.interviews import InterviewService
from api.models import Readiness
from api.sessions import SessionRepository

DATABASE_PROBE_SECONDS = 1.0

router = APIRouter(tags=["ops"])


async def _database(repo: SessionRepository) -> str:
    try:
        async with asyncio.timeout(DATABASE_PROBE_SECONDS):
            await repo.ping()
    except TimeoutError:
        return f"no answer within {DATABASE_PROBE_SECONDS:g}s"
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"
    return "ok"


async def check(request: Request) -> Readiness:
    state = request.app.state
    service: InterviewService = state.service
    runner: EvaluationRunner = state.evaluations
    database = await _database(state.repo)
    evaluation: Literal["ok", "dead"] = "ok" if runner.process_alive() else "dead"
    reasons = [
        *([f"database: {database}"] if database != "ok" else []),
        *(["evaluation process: dead (being replaced)"] if evaluation == "dead" else []),
        *(["draining: the replica is stopping"] if service.draining else []),
    ]
    return Readiness(
        status="not_ready" if reasons else "ready",
        reason="; ".join(reasons) or None,
        database=database,
        evaluation=evaluation,
        draining=service.draining,
    )


@router.get("/readyz", response_model=Readiness)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers within a second, the evaluation process is alive, the
    replica is not stopping. Otherwise 503 with this same body, `reason` saying why."""
    ready = await check(request)
    return JSONResponse(
        ready.model_dump(mode="json"), status_code=200 if ready.status == "ready" else 503
    )
