"""Human oversight endpoints: the audit log (and, with it, what people do to the AI's work)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from api import audit
from api.deps import AdminDep, RepoDep, canonical_session_id
from api.sessions import SessionRepository

router = APIRouter(tags=["oversight"])

JSON_LINES = "application/x-ndjson"
MAX_PAGE = 1000


class AuditPage(BaseModel):
    """A page of the audit log, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"entries": [audit.EXAMPLE], "next_after": 42}]}
    )

    entries: list[audit.AuditEntry]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


def _stored_time(moment: datetime) -> str:
    """`moment` as the log stores times (UTC, naive ISO 8601), so they compare as text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


async def _lines(
    repo: SessionRepository, after: int, session_id: str | None, since: str | None, limit: int
) -> AsyncIterator[bytes]:
    left = limit
    while left > 0:
        rows = await repo.audit_entries(
            after=after, limit=min(audit.PAGE, left), session_id=session_id, since=since
        )
        for row in rows:
            yield (audit.AuditEntry.of(row).model_dump_json() + "\n").encode()
        if len(rows) < min(audit.PAGE, left):
            return
        left -= len(rows)
        after = rows[-1].seq


@router.get(
    "/audit",
    response_model=AuditPage,
    responses={200: {"content": {JSON_LINES: {"schema": {"type": "string"}}}}},
)
async def audit_log(
    request: Request,
    repo: RepoDep,
    _: AdminDep,
    session_id: Annotated[str | None, Query(description="Only this session's entries.")] = None,
    since: Annotated[
        datetime | None, Query(description="Only entries at or after this time (ISO 8601).")
    ] = None,
    after: Annotated[int, Query(ge=0, description="Only entries after this `seq`.")] = 0,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=1_000_000,
            description=f"At most this many entries (JSON: default 100, at most {MAX_PAGE}; "
            "JSON Lines: default all).",
        ),
    ] = None,
    format: Annotated[
        Literal["auto", "json", "jsonl"],
        Query(
            description="`jsonl`: one entry per line; `auto` (the default): JSON Lines when "
            "`Accept` names application/x-ndjson, else JSON."
        ),
    ] = "auto",
) -> AuditPage | Response:
    """The audit log (admin): who did what to which session, oldest first, a hash chain
    (`python -m api audit verify` checks it). Entries outlive their session."""
    sid = canonical_session_id(session_id) if session_id is not None else None
    start = _stored_time(since) if since is not None else None
    wants_lines = format == "jsonl" or (
        format == "auto" and JSON_LINES in request.headers.get("accept", "")
    )
    if wants_lines:
        return StreamingResponse(
            _lines(repo, after, sid, start, limit or 1_000_000),
            media_type=JSON_LINES,
            headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
        )
    size = min(limit or 100, MAX_PAGE)
    rows = await repo.audit_entries(after=after, limit=size + 1, session_id=sid, since=start)
    page = rows[:size]
    return AuditPage(
        entries=[audit.AuditEntry.of(row) for row in page],
        next_after=page[-1].seq if len(rows) > size else None,
    )
