"""The evaluation report endpoints, and the wiring that evaluates finished interviews.

The router brings its own lifespan (FastAPI runs it inside the app's): it hands the service its
`on_finished` hook and resumes the evaluations a stop interrupted. Reports are stored through
the session repository (SQLite or PostgreSQL), so every replica serves them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from api import audit
from api.config import Settings
from api.deps import AdminDep, SessionDep
from api.errors import ERRORS
from api.evaluations import EvaluationRunner, is_current
from api.interviews import InterviewService
from api.report_types import FailedReport, ReportPending, ServedReport
from api.sessions import SessionRepository, SessionRow
from graph.evaluation.markdown import render_markdown

MARKDOWN = "text/markdown"


@contextlib.asynccontextmanager
async def reports_lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs inside the app's lifespan, once the repository and the service exist.
    settings: Settings = app.state.settings
    service: InterviewService = app.state.service
    repo: SessionRepository = app.state.repo
    runner = EvaluationRunner(service, repo, settings)
    service.on_finished = runner.on_finished
    app.state.evaluations = runner
    # Resume what a stop interrupted, in the background: start-up stays constant time.
    # (Replicas starting together may both evaluate a pending session: the same report.)
    runner.start_recovery(repo.all)
    try:
        yield
    finally:
        service.on_finished = None
        await runner.close()


router = APIRouter(tags=["reports"], lifespan=reports_lifespan)


async def get_runner(request: Request) -> EvaluationRunner:
    runner: EvaluationRunner = request.app.state.evaluations
    return runner


RunnerDep = Annotated[EvaluationRunner, Depends(get_runner)]

REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (`Report`), or `FailedReport` when the evaluation failed "
        "(regenerate it); a Markdown scorecard with `Accept: text/markdown`.",
        "content": {MARKDOWN: {"schema": {"type": "string"}}},
    },
    202: {"model": ReportPending, "description": "Being made: ask again shortly."},
}


def _pending() -> JSONResponse:
    return JSONResponse(ReportPending().model_dump(), status_code=202)


def _finished(session: SessionRow) -> None:
    if not session.started or session.active:
        raise ERRORS["interview_not_finished"].http()


def _wants_markdown(request: Request) -> bool:
    return MARKDOWN in request.headers.get("accept", "").lower()


def _failed_markdown(report: FailedReport) -> str:
    return (
        f"# Interview scorecard: evaluation failed\n\n- Session: `{report.session_id}`\n"
        f"- Error: {report.error.message}\n\n"
        f"The interview is intact; run the evaluation again with "
        f"`POST /report/{report.session_id}/regenerate`.\n"
    )


@router.get("/report/{session_id}", response_model=ServedReport, responses=REPORT_RESPONSES)
async def get_report(
    request: Request, session: SessionDep, runner: RunnerDep, _: AdminDep
) -> ServedReport | Response:
    """The interview's evaluation report (admin)."""
    _finished(session)
    report = await runner.reports.get(session.session_id)
    if report is None or not is_current(report, session):
        # Finished before reports existed, its evaluation was lost, or the stored one is of
        # an earlier interview of the session: make it now (unless it is being made).
        runner.schedule(session.session_id, again=False)
        return _pending()
    if report.status == "pending":
        if runner.is_abandoned(report):
            # Its replica stopped or died mid-evaluation: this one makes it.
            runner.schedule(session.session_id, again=False)
        return _pending()
    if _wants_markdown(request):
        text = _failed_markdown(report) if report.status == "failed" else render_markdown(report)
        return Response(text, media_type=f"{MARKDOWN}; charset=utf-8")
    return report


@router.post("/report/{session_id}/regenerate", status_code=202, response_model=ReportPending)
async def regenerate_report(
    session: SessionDep, runner: RunnerDep, principal: AdminDep
) -> ReportPending:
    """Run the evaluation again (e.g. after a prompt change); poll GET /report for it."""
    _finished(session)
    await runner.request(session)
    await audit.append(
        runner.service.repo,
        principal.actor,
        "report.regenerate_requested",
        session_id=session.session_id,
    )
    return ReportPending()
