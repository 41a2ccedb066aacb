"""Evaluating finished interviews in the background.

`InterviewService.on_finished` schedules an evaluation once the turn that ended the interview
is committed and its reply fully streamed: neither the closing nor its commit waits for it.
The evaluation only reads the interview's head checkpoint and writes the session's report
(through the session repository, so every replica serves it), so a failed evaluation leaves the
interview exactly as it was; it is stored as a `FailedReport` and can be run again (POST
/report/{id}/regenerate). A request while one runs is coalesced: the evaluation runs once more
after the current one. Reports are read and written as the typed union of api/report_types.py.

Every stored document carries the `generation` and `checkpoint_id` of the transcript it is
about, so a report of an earlier interview of the session (before a restart) is never served
as the current one.

It takes no session lease: it changes nothing of the session, and holding the lease for an LLM
evaluation would block the hiring side's restart or delete for that long.

The evaluation itself runs in one worker process (spawned at the first evaluation, at a lower
CPU priority): the heuristic is tens of milliseconds of Python per interview, and in the server's
process a burst of closings' evaluations took CPU from the replies still streaming (closing
TTFB p50 +40 to +240 ms at 20 closings at once, in the bench); in its own niced process it does
not. It also waits for a moment with no turn running in the process (at most 10 s).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api import audit
from api.config import Settings
from api.errors import turn_error
from api.interviews import InterviewService
from api.report_types import (
    FailedReport,
    PendingReport,
    ReportError,
    ReportRepository,
    Reports,
    StoredReport,
)
from api.sessions import SessionNotFound, SessionRow
from api.webhook import deliver
from graph.context import Context
from graph.evaluation.graph import evaluation_graph, evaluation_input
from graph.evaluation.provenance import of_context
from graph.evaluation.report import Provenance, Report
from graph.state import State

logger = logging.getLogger(__name__)

MAX_CONCURRENT_EVALUATIONS = 4
"""Evaluations running at once in the process; more wait their turn."""
MAX_DEFER_SECONDS = 10.0
"""An evaluation waits for a moment without running turns, but never longer than this."""
IDLE_POLL_SECONDS = 0.02

Evaluate = Callable[[str, State, Context], Awaitable[dict[str, Any]]]
"""The evaluation: a `Report` as JSON (it crosses a process boundary)."""


async def run_evaluator(session_id: str, state: State, context: Context) -> dict[str, Any]:
    """The report of a finished interview's state, from the evaluator graph, as JSON."""
    result = await evaluation_graph.ainvoke(evaluation_input(state, session_id), context=context)
    report = result["report"]
    if not isinstance(report, Report):
        report = Report.model_validate(report)
    return report.model_dump(mode="json")


EVALUATION_PROCESS_NAME = "interview-eval"
"""The evaluation process's name (`ps`, `top`; the bench tells its CPU from the server's); Linux
keeps 15 characters of a process name."""


PARENT_CHECK_SECONDS = 1.0


def _prepare_evaluation_process(server_pid: int) -> None:
    """Initialise the evaluation process: lower priority, a name, and an end with its server
    (`server_pid`, passed in: a server killed while this process was starting has already
    left it to init by the time this runs)."""
    # The evaluation process gives way to the server whenever both want the CPU.
    os.nice(10)
    with contextlib.suppress(OSError):  # Linux: the name `ps -o comm` and /proc show
        Path("/proc/self/comm").write_text(EVALUATION_PROCESS_NAME)
    # uvicorn ends a graceful shutdown by re-raising SIGTERM, so the server dies without the
    # exit hooks that tell pool processes to stop, and a SIGKILL skips them anyway: this
    # process then waited on its queue forever, one more after every restart. It watches its
    # parent instead; an evaluation cut short stays pending and is redone at the next start.

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="watch-server", daemon=True).start()


def evaluate_in_process(session_id: str, state: State, context: dict[str, Any]) -> dict[str, Any]:
    """`run_evaluator` in the evaluation process (its own interpreter and event loop)."""
    return asyncio.run(run_evaluator(session_id, state, Context.model_validate(context)))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _stamp(row: SessionRow) -> dict[str, Any]:
    return {"generation": row.generation, "checkpoint_id": row.head}


def is_current(report: StoredReport, row: SessionRow) -> bool:
    """Whether a stored report is about the session's current interview."""
    return report.generation == row.generation


class _Worker:
    """A thread with its own event loop, for an evaluation replaced by a test (which may hold
    things a process cannot receive); the real one runs in the evaluation process."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="evaluations", daemon=True
        )
        self._thread.start()

    async def run(self, work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        async def wrapped() -> dict[str, Any]:
            return await work

        future = asyncio.run_coroutine_threadsafe(wrapped(), self._loop)
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


class EvaluationRunner:
    """Runs evaluations as background tasks and keeps their outcome in the report store."""

    def __init__(
        self, service: InterviewService, store: ReportRepository, settings: Settings
    ) -> None:
        self.service = service
        self.reports = Reports(store)
        self.settings = settings
        self.evaluate: Evaluate = run_evaluator
        """The evaluation itself (tests replace it to make it fail or wait)."""
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._gate = asyncio.Semaphore(MAX_CONCURRENT_EVALUATIONS)
        self._closed = False
        self._worker = _Worker()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._recovery: asyncio.Task[None] | None = None

    def is_running(self, session_id: str) -> bool:
        return session_id in self._running

    def is_abandoned(self, report: PendingReport) -> bool:
        """A pending marker that no evaluation of this process is behind, and old (the lease
        policy says how old)."""
        if self.is_running(report.session_id):
            return False
        return self.service.repo.leases.report_abandoned(report.requested_at)

    async def on_finished(self, session_id: str) -> None:
        """The service's hook: called after the turn that ended the interview committed."""
        self.schedule(session_id)

    def schedule(self, session_id: str, again: bool = True) -> None:
        """Evaluate the session soon (never blocks). If one is running already, run once more
        after it when `again` (the transcript or the prompts may have changed), else leave it."""
        if self._closed:
            return
        if session_id in self._running:
            if again:
                self._again.add(session_id)
            return
        task = asyncio.create_task(self._run(session_id), name=f"evaluate-{session_id}")
        self._running[session_id] = task

    async def request(self, row: SessionRow) -> None:
        """Mark the report pending now, then evaluate (regenerate: no stale read after it)."""
        await self.reports.save(self._pending(row))
        self.schedule(row.session_id)

    def _pending(self, row: SessionRow) -> PendingReport:
        return PendingReport(session_id=row.session_id, requested_at=_now(), **_stamp(row))

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
        await self._yield_to_turns()
        try:
            row, state = await self.service.read(session_id)
        except SessionNotFound:
            return  # deleted meanwhile: nothing to evaluate, nowhere to store it
        if state is None or state.active:
            logger.info("evaluation of %s skipped: the interview is not finished", session_id)
            return
        try:
            await self.reports.save(self._pending(row))
            made = Report.model_validate(await self._evaluate(session_id, state))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("evaluation of session %s failed", session_id)
            await self._save_failure(row, exc)
            return
        report = made.model_copy(update=_stamp(row))
        if not await self._still_current(row):
            return
        await self.reports.save(report)
        await self._audit_generated(report)
        if self.settings.webhook_url:
            await self._notify(report)

    async def _evaluate(self, session_id: str, state: State) -> dict[str, Any]:
        context = self.settings.context()
        if self.evaluate is not run_evaluator:
            # A replaced evaluation (tests) may hold unpicklable things: run it in the thread.
            return await self._worker.run(self.evaluate(session_id, state, context))
        if self._pool is None:
            # Spawned, not forked: the server has threads. One process, at a lower priority,
            # so a burst of evaluations never takes CPU from the replies being streamed.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_prepare_evaluation_process,
                initargs=(os.getpid(),),
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, evaluate_in_process, session_id, state, context.model_dump()
        )

    async def _yield_to_turns(self) -> None:
        # Evaluating reads a checkpoint, writes the database and takes the event loop for tens
        # of milliseconds (the heuristic) or holds LLM capacity (Groq): replies being streamed
        # come first, so a burst of closings does not slow the closings still streaming.
        # Under constant load it runs after the cap anyway.
        waited = 0.0
        while self.service.active_turns > 0 and waited < MAX_DEFER_SECONDS:
            await asyncio.sleep(IDLE_POLL_SECONDS)
            waited += IDLE_POLL_SECONDS

    async def _still_current(self, row: SessionRow) -> bool:
        # A restart or delete while the evaluation ran makes its report about nothing current.
        now = await self.service.repo.get(row.session_id)
        if now is None or now.generation != row.generation or now.head != row.head:
            logger.info("evaluation of %s discarded: the interview changed", row.session_id)
            return False
        return True

    async def _audit_generated(self, report: Report) -> None:
        # The log keeps which versions made the scores, never their words.
        made = report.provenance
        details: dict[str, Any] = {
            "generation": report.generation,
            "recommendation": report.overall.recommendation,
            "rubric_version": report.rubric_version,
        }
        if made is not None:
            details |= {
                "evaluator": made.evaluator,
                "code_version": made.code_version,
                "judge_runs": made.judge_runs,
                "prompt_hashes": [f"{n}:{h}" for n, h in sorted(made.prompt_hashes.items())],
            }
        try:
            await audit.append(
                self.service.repo,
                audit.SYSTEM,
                "report.generated",
                session_id=report.session_id,
                details=details,
            )
        except Exception:
            logger.exception("could not audit the report of %s", report.session_id)

    def _provenance(self) -> Provenance | None:
        # Which evaluator failed; a configuration that names none (the very failure, perhaps)
        # leaves it out rather than losing the failure.
        try:
            return of_context(self.settings.context())
        except Exception:
            return None

    async def _save_failure(self, row: SessionRow, exc: Exception) -> None:
        error = {k: v for k, v in turn_error(exc).items() if k != "event"}
        failure = FailedReport(
            session_id=row.session_id,
            failed_at=_now(),
            error=ReportError.model_validate(error | {"type": type(exc).__name__}),
            provenance=self._provenance(),
            **_stamp(row),
        )
        try:
            if await self._still_current(row):
                await self.reports.save(failure)
        except Exception:
            logger.exception("could not record the failed evaluation of %s", row.session_id)

    async def _notify(self, report: Report) -> None:
        settings = self.settings
        assert settings.webhook_url is not None
        outcome = await deliver(
            settings.webhook_url,
            report.model_dump(mode="json"),
            secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
            attempts=settings.webhook_attempts,
            backoff=settings.webhook_backoff,
            request_timeout=settings.webhook_timeout,
        )
        if not outcome.delivered:
            logger.warning(
                "webhook for %s not delivered after %d attempt(s): %s",
                report.session_id,
                outcome.attempts,
                outcome.last_error,
            )
        await self.reports.save(report.model_copy(update={"webhook": outcome}))

    def start_recovery(self, rows: Callable[[], Awaitable[list[SessionRow]]]) -> None:
        """Run `recover` on the sessions `rows` lists, as a background task."""

        async def run() -> None:
            try:
                await self.recover(await rows())
            except Exception:
                logger.exception("resuming interrupted evaluations failed")

        self._recovery = asyncio.create_task(run(), name="evaluation-recovery")

    async def recover(self, rows: list[SessionRow]) -> None:
        """At start-up: evaluate finished sessions with no current report, or one left pending."""
        for row in rows:
            if not row.started or row.active:
                continue
            report = await self.reports.get(row.session_id)
            if report is None or not is_current(report, row) or report.status == "pending":
                self.schedule(row.session_id)

    async def close(self) -> None:
        """Stop: running evaluations are cancelled and stay pending, resumed at next start."""
        self._closed = True
        if self._recovery is not None:
            self._recovery.cancel()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self._worker.stop)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
