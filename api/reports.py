"""The evaluation report endpoints, and the wiring that evaluates finished interviews.

The router brings its own lifespan (FastAPI runs it inside the app's): it hands the service its
`on_finished` hook and resumes the evaluations a stop interrupted. Reports are stored through
the session repository (SQLite or PostgreSQL), so every replica serves them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from api.config import Settings
from api.deps import AdminDep, SessionDep
from api.evaluations import EvaluationRunner, is_current
from api.interviews import InterviewService
from api.sessions import SessionRepository, SessionRow
from graph.evaluation.markdown import render_markdown
from graph.evaluation.report import Report

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

PENDING: dict[str, Any] = {"status": "pending"}


class ReportPending(BaseModel):
    """The report is being made: ask again shortly."""

    model_config = ConfigDict(json_schema_extra={"examples": [PENDING]})

    status: Literal["pending"] = "pending"


class InterviewNotFinished(BaseModel):
    """The interview has not started, or is still in progress: there is nothing to evaluate."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"detail": "The interview has not finished"}]}
    )

    detail: str


REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (JSON), or a Markdown scorecard with Accept: text/markdown. "
        'A failed evaluation is `{"status": "failed", "error": ...}`: regenerate it.',
        "content": {"application/json": {}, MARKDOWN: {}},
    },
    202: {"model": ReportPending, "description": "Being made: ask again shortly."},
    409: {"model": InterviewNotFinished, "description": "The interview has not finished."},
}


def _finished(session: SessionRow) -> None:
    if not session.started or session.active:
        raise HTTPException(status_code=409, detail="The interview has not finished")


def _wants_markdown(request: Request) -> bool:
    return MARKDOWN in request.headers.get("accept", "").lower()


def _failed_markdown(report: dict[str, Any]) -> str:
    error = report.get("error") or {}
    return (
        f"# Interview scorecard: evaluation failed\n\n- Session: `{report.get('session_id')}`\n"
        f"- Error: {error.get('message', 'unknown error')}\n\n"
        f"The interview is intact; run the evaluation again with "
        f"`POST /report/{report.get('session_id')}/regenerate`.\n"
    )


@router.get("/report/{session_id}", responses=REPORT_RESPONSES)
async def get_report(
    request: Request, session: SessionDep, runner: RunnerDep, _: AdminDep
) -> Response:
    """The interview's evaluation report (admin)."""
    _finished(session)
    report = await runner.reports.get_report(session.session_id)
    if report is None or not is_current(report, session):
        # Finished before reports existed, its evaluation was lost, or the stored one is of
        # an earlier interview of the session: make it now (unless it is being made).
        runner.schedule(session.session_id, again=False)
        return JSONResponse(PENDING, status_code=202)
    if report.get("status") == "pending":
        if runner.is_abandoned(report):
            # Its replica stopped or died mid-evaluation: this one makes it.
            runner.schedule(session.session_id, again=False)
        return JSONResponse(PENDING, status_code=202)
    if _wants_markdown(request):
        text = (
            _failed_markdown(report)
            if report.get("status") == "failed"
            else render_markdown(Report.model_validate(report))
        )
        return Response(text, media_type=f"{MARKDOWN}; charset=utf-8")
    return JSONResponse(report)


@router.post(
    "/report/{session_id}/regenerate",
    status_code=202,
    response_model=ReportPending,
    responses={409: REPORT_RESPONSES[409]},
)
async def regenerate_report(session: SessionDep, runner: RunnerDep, _: AdminDep) -> ReportPending:
    """Run the evaluation again (e.g. after a prompt change); poll GET /report for it."""
    _finished(session)
    await runner.request(session)
    return ReportPending()
