"""What operators watch: `/metrics` (Prometheus) and, with INTERVIEWER_LOG_FORMAT=json, one
JSON log line per request and per turn, tied together by the request id (docs/OBSERVABILITY.md).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from starlette.responses import Response

from api import metrics
from api.deps import AdminDep, RepoDep
from api.permissions import authorize

router = APIRouter(tags=["ops"], dependencies=[Depends(authorize)])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def prometheus_metrics(repo: RepoDep, _: AdminDep) -> Response:
    """Every metric in Prometheus' text format, summed over this replica's worker processes;
    the database-derived gauges (sessions, leases, evaluations, outbox) read at this scrape."""
    await metrics.refresh_from_database(repo)
    body = await asyncio.to_thread(_collect)
    return Response(body, media_type=metrics.CONTENT_TYPE)


def _collect() -> bytes:
    metrics.forget_dead_workers()
    return metrics.exposition()
