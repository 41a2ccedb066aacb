"""`/metrics` in Prometheus' text format, correct across worker processes.

Two kinds of figure, each in one place:

* **Events counted where they happen** (turns by outcome, time to the first token, turn
  duration, LLM errors by kind, requests closed for slowness): counters and histograms of this
  module, bumped by the turn runner and the HTTP layer. With several worker processes
  (`python -m api` with INTERVIEWER_WORKERS > 1), prometheus-client's multiprocess mode keeps
  each process' values in a file of `PROMETHEUS_MULTIPROC_DIR` (the supervisor makes one and
  hands it to its workers) and a scrape, whichever worker answers it, sums them all.
* **State read from the database at scrape time** (sessions by state, leases held, evaluations
  by status, the webhook outbox's depth): one grouped query each, the same truth whichever
  worker or replica is scraped (gauges of mode `livemostrecent`: the latest scrape's value).

The environment variable must be set, and its folder exist, before prometheus-client is first
imported; `python -m api` sees to both before any worker starts (`api.__main__`), and never
imports this module itself.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

if TYPE_CHECKING:
    from api.sessions import SessionRepository

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 90.0, 120.0)

TURNS = Counter(
    "interviewer_turns",
    "Turns by outcome: completed (committed), replayed (an Idempotency-Key's committed turn "
    "sent again), or the error code the turn failed with (llm_timeout, turn_failed, ...).",
    ["outcome"],
)
TIME_TO_FIRST_TOKEN = Histogram(
    "interviewer_time_to_first_token_seconds",
    "From the turn's start to the first token of Mia's reply.",
    buckets=_SECONDS_BUCKETS,
)
TURN_DURATION = Histogram(
    "interviewer_turn_duration_seconds",
    "A whole turn, from its start to its commit (or its failure).",
    ["outcome"],
    buckets=_SECONDS_BUCKETS,
)
LLM_ERRORS = Counter(
    "interviewer_llm_errors",
    "Turns failed by the language model, by the LLM port's kind (rate_limited, unavailable, "
    "timed_out, rejected, cut, prompt_too_large) or deadline (the whole reply took too long).",
    ["kind"],
)
SLOW_REQUESTS_CLOSED = Counter(
    "interviewer_slow_requests_closed",
    "Connections answered 408 and closed because the request's headers or body were too slow.",
    ["part"],
)

# --- from the database, at scrape time -------------------------------------------------------

SESSIONS = Gauge(
    "interviewer_sessions",
    "Sessions in the database by state: created (not started), active, finished.",
    ["state"],
    multiprocess_mode="livemostrecent",
)
LEASES_HELD = Gauge(
    "interviewer_leases_held",
    "Sessions whose lease is held now (a turn, save, delete, reset, expiry or evaluation), "
    "by purpose, across every replica.",
    ["purpose"],
    multiprocess_mode="livemostrecent",
)
EVALUATIONS = Gauge(
    "interviewer_evaluations",
    "Evaluation reports by status: pending (the evaluation queue), ready, failed.",
    ["status"],
    multiprocess_mode="livemostrecent",
)
WEBHOOK_OUTBOX = Gauge(
    "interviewer_webhook_outbox_depth",
    "Webhook deliveries stored and not yet delivered (or given up on).",
    multiprocess_mode="livemostrecent",
)

SESSION_STATES = ("created", "active", "finished")
LEASE_PURPOSES = ("turn", "reset", "delete", "save", "expire", "evaluate")
REPORT_STATUSES = ("pending", "ready", "failed")


def multiprocess_dir() -> Path | None:
    """The folder of the workers' values, when several processes serve (else None)."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def forget_dead_workers() -> None:
    """Drop the live gauges of worker processes that died (a replaced worker's last values
    would otherwise stay in the sum). Counters and histograms keep a dead worker's counts."""
    folder = multiprocess_dir()
    if folder is None:
        return
    for path in folder.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1]) if path.stem.rsplit("_", 1)[1].isdigit() else 0
        if pid and not _alive(pid):
            prom_multiprocess.mark_process_dead(pid, str(folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def refresh_from_database(repo: SessionRepository) -> None:
    """Set the database-derived gauges from one grouped query each."""
    counts = await repo.metrics_counts()
    for state in SESSION_STATES:
        SESSIONS.labels(state).set(counts.sessions.get(state, 0))
    for purpose in LEASE_PURPOSES:
        LEASES_HELD.labels(purpose).set(counts.leases.get(purpose, 0))
    for status in REPORT_STATUSES:
        EVALUATIONS.labels(status).set(counts.reports.get(status, 0))
    WEBHOOK_OUTBOX.set(counts.outbox)


def exposition() -> bytes:
    """Every metric, in the text format; summed over the workers in multiprocess mode."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    prom_multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


# --- a turn's figures --------------------------------------------------------------------------

turn_logger = logging.getLogger("api.turns")


@dataclass
class TurnClock:
    """One turn's timing and outcome: counted, timed and logged once, when it ends."""

    session_id: str
    kind: str
    """start, user or system."""
    started: float = field(default_factory=time.monotonic)
    first_token: float | None = None

    def token(self) -> None:
        if self.first_token is None:
            self.first_token = time.monotonic()
            TIME_TO_FIRST_TOKEN.observe(self.first_token - self.started)

    def finished(self, outcome: str, llm_error: str | None = None) -> None:
        """`outcome`: completed, or the error code; `llm_error`: the LLM's failure kind."""
        seconds = time.monotonic() - self.started
        TURNS.labels(outcome).inc()
        TURN_DURATION.labels(outcome).observe(seconds)
        if llm_error is not None:
            LLM_ERRORS.labels(llm_error).inc()
        ttft = None if self.first_token is None else self.first_token - self.started
        turn_logger.info(
            "turn of session %s (%s): %s in %.0f ms",
            self.session_id,
            self.kind,
            outcome,
            seconds * 1000,
            extra={
                "event": "turn",
                "session_id": self.session_id,
                "turn_kind": self.kind,
                "outcome": outcome,
                "duration_ms": round(seconds * 1000, 1),
                "ttft_ms": None if ttft is None else round(ttft * 1000, 1),
                **({"llm_error": llm_error} if llm_error else {}),
            },
        )


def turn_replayed() -> None:
    TURNS.labels("replayed").inc()
