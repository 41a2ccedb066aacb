"""A session's report as a typed union: pending, failed or ready, told apart by `status`.

A ready report says what produced its scores in `provenance` (`Provenance`: the evaluator, the
rubric version, the prompt hashes, the code version, the judge's runs); a failed one says which
evaluator failed in the same field.

The repository keeps one JSON document per session (its `save_report` / `get_report`); the API
reads and writes it only through `Reports`, as a `StoredReport`. GET /report serves the ready
and failed forms as they are stored (`ServedReport`) and the pending one as `ReportPending`.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from graph.evaluation.report import RUBRIC_VERSION, Provenance, Report, WebhookOutcome

logger = logging.getLogger(__name__)

_STAMP = (
    "Which interview of the session it is about (a restart starts another); a report of "
    "another generation is never served as the current one."
)


class PendingReport(BaseModel):
    """An evaluation was asked for and has not finished (stored; served as `ReportPending`)."""

    session_id: str
    status: Literal["pending"] = "pending"
    rubric_version: str = RUBRIC_VERSION
    requested_at: str = Field(description="When it was asked for (ISO 8601, UTC).")
    generation: int | None = Field(default=None, description=_STAMP)
    checkpoint_id: str | None = Field(
        default=None, description="The checkpoint of the transcript to evaluate."
    )


class ReportError(BaseModel):
    """Why an evaluation failed: a code of the error table (api/errors.py), never a trace."""

    code: str
    message: str
    retryable: bool
    retry_after: int | None = Field(
        default=None,
        exclude_if=lambda wait: wait is None,
        description="Seconds the LLM asked to wait (a rate limit), when it said.",
    )
    type: str = Field(description="The exception's class name.")


class FailedReport(BaseModel):
    """The evaluation failed; the interview is intact: POST /report/{id}/regenerate."""

    session_id: str
    status: Literal["failed"] = "failed"
    rubric_version: str = RUBRIC_VERSION
    failed_at: str = Field(description="When it failed (ISO 8601, UTC).")
    error: ReportError
    webhook: WebhookOutcome | None = Field(
        default=None,
        exclude_if=lambda outcome: outcome is None,
        description="The report.failed event's delivery, once the failure is final (its "
        "automatic retries used up); `not_configured` without a webhook URL.",
    )
    generation: int | None = Field(default=None, description=_STAMP)
    checkpoint_id: str | None = Field(
        default=None, description="The checkpoint of the transcript it was evaluating."
    )
    provenance: Provenance | None = Field(
        default=None,
        exclude_if=lambda made: made is None,
        description="The evaluator that failed, as a ready report would name it (absent in "
        "reports stored before it existed).",
    )


class ReportPending(BaseModel):
    """The report is being made: ask again shortly (the body of a 202)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "pending"}]})

    status: Literal["pending"] = "pending"


StoredReport = Annotated[PendingReport | FailedReport | Report, Field(discriminator="status")]
"""A session's report as stored."""

ServedReport = Annotated[FailedReport | Report, Field(discriminator="status")]
"""The 200 body of GET /report/{session_id}."""

_STORED: TypeAdapter[StoredReport] = TypeAdapter(StoredReport)


class ReportRepository(Protocol):
    """What `Reports` needs from storage (api.sessions.SessionRepository provides it)."""

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        """Store `report` as the session's report, replacing any earlier one."""
        ...

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        """The session's report, or None if none was stored."""
        ...


class Reports:
    """The sessions' reports, read and written as `StoredReport`."""

    def __init__(self, repo: ReportRepository) -> None:
        self.repo = repo

    async def save(self, report: StoredReport) -> None:
        await self.repo.save_report(report.session_id, report.model_dump(mode="json"))

    async def get(self, session_id: str) -> StoredReport | None:
        """The session's report; None if there is none, or none this release can read (it is
        made again: a report is derived from the transcript, which stays intact)."""
        stored = await self.repo.get_report(session_id)
        if stored is None:
            return None
        try:
            return _STORED.validate_python(stored)
        except ValidationError as exc:
            logger.warning("the stored report of %s cannot be read: %s", session_id, exc)
            return None
