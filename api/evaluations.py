"""Evaluating finished interviews in the background.

`InterviewService.on_finished` schedules an evaluation once the turn that ended the interview
is committed and its reply fully streamed: neither the closing nor its commit waits for it.
The evaluation only reads the interview's checkpoint and writes the report store, so a failed
evaluation leaves the interview exactly as it was; it is stored as `{"status": "failed"}` and
can be run again (POST /report/{id}/regenerate). A request while one runs is coalesced: the
evaluation runs once more after the current one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from api.config import Settings
from api.interviews import InterviewService
from api.report_store import ReportStore
from api.webhook import deliver
from graph.context import Context
from graph.evaluation.graph import evaluation_graph, evaluation_input
from graph.evaluation.report import RUBRIC_VERSION, Report
from graph.llm import classify_error
from graph.state import State

logger = logging.getLogger(__name__)

MAX_CONCURRENT_EVALUATIONS = 4
"""Evaluations running at once in the process; more wait their turn."""

Evaluate = Callable[[str, State, Context], Awaitable[dict[str, Any]]]


async def run_evaluator(session_id: str, state: State, context: Context) -> dict[str, Any]:
    """The report of a finished interview's state, from the evaluator graph, as JSON."""
    result = await evaluation_graph.ainvoke(evaluation_input(state, session_id), context=context)
    report = result["report"]
    if not isinstance(report, Report):
        report = Report.model_validate(report)
    return report.model_dump(mode="json")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def pending(session_id: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "status": "pending",
        "rubric_version": RUBRIC_VERSION,
        "requested_at": _now(),
    }


class EvaluationRunner:
    """Runs evaluations as background tasks and keeps their outcome in the report store."""

    def __init__(self, service: InterviewService, reports: ReportStore, settings: Settings) -> None:
        self.service = service
        self.reports = reports
        self.settings = settings
        self.evaluate: Evaluate = run_evaluator
        """The evaluation itself (tests replace it to make it fail or wait)."""
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._gate = asyncio.Semaphore(MAX_CONCURRENT_EVALUATIONS)
        self._closed = False

    def is_running(self, session_id: str) -> bool:
        return session_id in self._running

    def schedule(self, session_id: str) -> None:
        """Evaluate the session soon (never blocks; safe to call from a turn's task)."""
        if self._closed:
            return
        if session_id in self._running:
            self._again.add(session_id)
            return
        task = asyncio.create_task(self._run(session_id), name=f"evaluate-{session_id}")
        self._running[session_id] = task

    async def request(self, session_id: str) -> None:
        """Mark the report pending now, then evaluate (for regenerate: no stale read after)."""
        await self.reports.save_report(session_id, pending(session_id))
        self.schedule(session_id)

    async def _run(self, session_id: str) -> None:
        try:
            while True:
                self._again.discard(session_id)
                async with self._gate:
                    await self._run_once(session_id)
                if session_id not in self._again:
                    return
        finally:
            self._running.pop(session_id, None)

    async def _run_once(self, session_id: str) -> None:
        try:
            await self.reports.save_report(session_id, pending(session_id))
            state = await self.service.state(session_id)
            if state is None or state.active:
                # Reset or restarted meanwhile: there is no finished interview to evaluate.
                logger.info("evaluation of %s skipped: the interview is not finished", session_id)
                return
            report = await self.evaluate(session_id, state, self.settings.context())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("evaluation of session %s failed", session_id)
            await self._save_failure(session_id, exc)
            return
        await self.reports.save_report(session_id, report)
        if self.settings.webhook_url:
            await self._notify(session_id, report)

    async def _save_failure(self, session_id: str, exc: Exception) -> None:
        failure = {
            "session_id": session_id,
            "status": "failed",
            "rubric_version": RUBRIC_VERSION,
            "failed_at": _now(),
            "error": classify_error(exc) | {"type": type(exc).__name__},
        }
        try:
            await self.reports.save_report(session_id, failure)
        except Exception:
            logger.exception("could not record the failed evaluation of %s", session_id)

    async def _notify(self, session_id: str, report: dict[str, Any]) -> None:
        settings = self.settings
        assert settings.webhook_url is not None
        outcome = await deliver(
            settings.webhook_url,
            report,
            secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
            attempts=settings.webhook_attempts,
            backoff=settings.webhook_backoff,
            request_timeout=settings.webhook_timeout,
        )
        if not outcome.delivered:
            logger.warning(
                "webhook for %s not delivered after %d attempt(s): %s",
                session_id,
                outcome.attempts,
                outcome.last_error,
            )
        await self.reports.save_report(session_id, report | {"webhook": outcome.model_dump()})

    async def recover(self, finished: list[str]) -> None:
        """At start-up: evaluate finished sessions with no report or one left pending."""
        for session_id in finished:
            report = await self.reports.get_report(session_id)
            if report is None or report.get("status") == "pending":
                self.schedule(session_id)

    async def close(self) -> None:
        """Stop: running evaluations are cancelled and stay pending, resumed at next start."""
        self._closed = True
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
