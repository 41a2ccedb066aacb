"""Evaluating finished interviews in the background.

`InterviewService.on_finished` schedules an evaluation once the turn that ended the interview
is committed and its reply fully streamed: neither the closing nor its commit waits for it.
The evaluation only reads the interview's head checkpoint and writes the session's report
(through the session repository, so every replica serves it), so a failed evaluation leaves the
interview exactly as it was. A failure that may pass (the evaluation process died, the LLM
failed) is tried again after INTERVIEWER_EVALUATION_BACKOFF_SECONDS, doubling, up to
INTERVIEWER_EVALUATION_ATTEMPTS in all; then it is stored as a `FailedReport`, sent as a
`report.failed` webhook event and audited, and can be run again (POST /report/{id}/regenerate);
the next start tries it again too. A dead evaluation process is replaced (found by the next
evaluation or within a second by a watcher), so one `kill -9` fails no report.

A request while one runs is coalesced: the evaluation runs once more
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
import concurrent.futures.process
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
from api.errors import report_error
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
from api.webhook import Outbox
from graph.context import Context
from graph.evaluation.graph import evaluation_graph, evaluation_input
from graph.evaluation.provenance import of_context
from graph.evaluation.report import Provenance, Report
from graph.state import State

logger = logging.getLogger(__name__)

MAX_CONCURRENT_EVALUATIONS = 4
"""Evaluations running at once in the process; more wait their turn."""
PROCESS_CHECK_SECONDS = 1.0
"""How often the runner checks that its evaluation process is alive (and replaces a dead one)."""
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
        self,
        service: InterviewService,
        store: ReportRepository,
        settings: Settings,
        outbox: Outbox,
    ) -> None:
        self.service = service
        self.outbox = outbox
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
        self._watcher: asyncio.Task[None] | None = None
        self.replaced_processes = 0
        """Evaluation processes found dead and replaced since start."""

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
                    try:
                        await self._run_once(session_id)
                    except Exception:
                        # The database failed: the report stays pending, made again later
                        # (GET /report on an abandoned one, or the next start).
                        logger.exception("evaluation of session %s interrupted", session_id)
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
        await self.reports.save(self._pending(row))
        made = await self._evaluate_with_retries(row, state)
        if made is None:
            return
        report = made.model_copy(update=_stamp(row))
        if not await self._still_current(row):
            return
        # The event is stored before the report says so, and sent only after: a receiver
        # that reads the report at once finds it, and a stop in between loses no delivery.
        webhook = await self.outbox.store("report.ready", report, session_id=session_id)
        await self.reports.save(report.model_copy(update={"webhook": webhook}))
        self.outbox.start(webhook)
        await self._audit_generated(report)

    async def _evaluate_with_retries(self, row: SessionRow, state: State) -> Report | None:
        """The report, trying again with a doubling backoff while the failure may pass (a dead
        evaluation process, an LLM that failed); None once it failed for good, stored as a
        `FailedReport` (and sent as a `report.failed` event)."""
        attempts = self.settings.evaluation_attempts
        for attempt in range(1, attempts + 1):
            try:
                return Report.model_validate(await self._evaluate(row.session_id, state))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = report_error(exc)
                if attempt == attempts or not error.get("retryable"):
                    logger.exception(
                        "evaluation of session %s failed (attempt %d of %d), for good",
                        row.session_id,
                        attempt,
                        attempts,
                    )
                    await self._save_failure(row, exc)
                    return None
                wait = self.settings.evaluation_backoff_seconds * 2 ** (attempt - 1)
                wait = max(wait, float(error.get("retry_after") or 0))
                logger.warning(
                    "evaluation of session %s failed (attempt %d of %d: %s); again in %gs",
                    row.session_id,
                    attempt,
                    attempts,
                    type(exc).__name__,
                    wait,
                )
                await asyncio.sleep(wait)
        return None  # pragma: no cover - the loop returns

    async def _evaluate(self, session_id: str, state: State) -> dict[str, Any]:
        context = self.settings.context()
        if self.evaluate is not run_evaluator:
            # A replaced evaluation (tests) may hold unpicklable things: run it in the thread.
            return await self._worker.run(self.evaluate(session_id, state, context))
        pool = self._pool or self._spawn()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                pool, evaluate_in_process, session_id, state, context.model_dump()
            )
        except concurrent.futures.process.BrokenProcessPool:
            # The process died (killed, out of memory): a new one for the next try.
            self._replace(pool)
            raise

    def _spawn(self) -> concurrent.futures.ProcessPoolExecutor:
        """A new evaluation process, started now (not at its first evaluation), watched."""
        # Spawned, not forked: the server has threads. One process, at a lower priority,
        # so a burst of evaluations never takes CPU from the replies being streamed.
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_prepare_evaluation_process,
            initargs=(os.getpid(),),
        )
        pool.submit(os.getpid)  # starts the process
        self._pool = pool
        if self._watcher is None and not self._closed:
            self._watcher = asyncio.create_task(self._watch(), name="evaluation-process-watch")
        return pool

    def _replace(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        """Replace `pool` if it is still the current one (a dead process is replaced once)."""
        if self._pool is not pool or self._closed:
            return
        logger.warning("the evaluation process died; starting a new one")
        self.replaced_processes += 1
        self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        self._spawn()

    def process_alive(self) -> bool:
        """Whether the evaluation process is alive (true before the first one is needed)."""
        pool = self._pool
        if pool is None:
            return True
        if getattr(pool, "_broken", False):
            return False
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        return all(process.is_alive() for process in processes.values())

    async def _watch(self) -> None:
        # A process killed while idle is found here, not by the next evaluation: readiness
        # stays true and no report pays for it.
        while not self._closed:
            await asyncio.sleep(PROCESS_CHECK_SECONDS)
            pool = self._pool
            if pool is not None and not self.process_alive():
                self._replace(pool)

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
        error = {k: v for k, v in report_error(exc).items() if k != "event"}
        failure = FailedReport(
            session_id=row.session_id,
            failed_at=_now(),
            error=ReportError.model_validate(error | {"type": type(exc).__name__}),
            provenance=self._provenance(),
            **_stamp(row),
        )
        try:
            if not await self._still_current(row):
                return
            # As for a ready report: the event is stored first, sent once the report says so.
            webhook = await self.outbox.store("report.failed", failure, session_id=row.session_id)
            await self.reports.save(failure.model_copy(update={"webhook": webhook}))
            self.outbox.start(webhook)
            await audit.append(
                self.service.repo,
                audit.SYSTEM,
                "report.failed",
                session_id=row.session_id,
                details={"code": failure.error.code, "type": failure.error.type},
            )
        except Exception:
            logger.exception("could not record the failed evaluation of %s", row.session_id)

    async def _audit(self, action: str, session_id: str, **details: str | int | None) -> None:
        """An automated step in the audit log; its failure never fails the evaluation."""
        try:
            await audit.append(
                self.service.repo, audit.SYSTEM, action, session_id=session_id, details=details
            )
        except Exception:
            logger.exception("could not record %s of %s in the audit log", action, session_id)

    def start_recovery(self, rows: Callable[[], Awaitable[list[SessionRow]]]) -> None:
        """Run `recover` on the sessions `rows` lists, as a background task."""

        async def run() -> None:
            try:
                await self.recover(await rows())
            except Exception:
                logger.exception("resuming interrupted evaluations failed")

        self._recovery = asyncio.create_task(run(), name="evaluation-recovery")

    async def recover(self, rows: list[SessionRow]) -> None:
        """At start-up: evaluate finished sessions with no current report, one left pending, or
        one that failed for a reason that may have passed (its process died, the LLM failed)."""
        for row in rows:
            if not row.started or row.active:
                continue
            report = await self.reports.get(row.session_id)
            if report is None or not is_current(report, row) or report.status == "pending":
                self.schedule(row.session_id)
            elif report.status == "failed" and report.error.retryable:
                logger.info("evaluating session %s again: it failed before", row.session_id)
                self.schedule(row.session_id)

    async def close(self) -> None:
        """Stop: running evaluations are cancelled and stay pending, resumed at next start."""
        self._closed = True
        for task in (self._recovery, self._watcher):
            if task is not None:
                task.cancel()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self._worker.stop)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
