"""The report store reads and writes a session's report as the typed union (pending, failed,
ready); the repository below it keeps plain JSON."""

from __future__ import annotations

from typing import Any

import pytest

from api.report_types import FailedReport, PendingReport, ReportError, Reports
from graph.evaluation.report import Overall, Report


class MemoryRepository:
    def __init__(self) -> None:
        self.reports: dict[str, dict[str, Any]] = {}

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        self.reports[session_id] = report

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        return self.reports.get(session_id)


READY = Report(
    session_id="s",
    generated_by="offline-heuristic",
    model="offline-heuristic",
    created_at="2024-05-12T16:01:02+00:00",
    overall=Overall(recommendation="insufficient_evidence", summary="Nothing was answered."),
    generation=0,
)
PENDING = PendingReport(session_id="s", requested_at="2024-05-12T16:00:00+00:00", generation=0)
FAILED = FailedReport(
    session_id="s",
    failed_at="2024-05-12T16:01:02+00:00",
    error=ReportError(code="turn_failed", message="m", retryable=True, type="RuntimeError"),
    generation=0,
)


@pytest.mark.parametrize("report", [PENDING, FAILED, READY], ids=lambda r: r.status)
async def test_each_form_of_the_report_is_stored_as_json_and_read_back_as_itself(
    report: PendingReport | FailedReport | Report,
) -> None:
    repo = MemoryRepository()
    store = Reports(repo)
    await store.save(report)
    assert repo.reports["s"] == report.model_dump(mode="json")
    read = await store.get("s")
    assert type(read) is type(report) and read == report


async def test_a_wait_the_llm_did_not_give_is_left_out_not_null() -> None:
    repo = MemoryRepository()
    await Reports(repo).save(FAILED)
    assert "retry_after" not in repo.reports["s"]["error"]
    limited = FAILED.model_copy(
        update={"error": FAILED.error.model_copy(update={"retry_after": 9})}
    )
    await Reports(repo).save(limited)
    assert repo.reports["s"]["error"]["retry_after"] == 9


async def test_a_stored_report_this_release_cannot_read_is_none_so_it_is_made_again() -> None:
    repo = MemoryRepository()
    repo.reports["s"] = {"session_id": "s", "status": "reviewed"}
    assert await Reports(repo).get("s") is None
    assert await Reports(repo).get("unknown") is None
