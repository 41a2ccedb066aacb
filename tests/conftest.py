"""Shared test setup. The engine package is imported first so strict msgpack is on."""

from __future__ import annotations

import os

import pytest

import graph  # noqa: F401  (sets LANGGRAPH_STRICT_MSGPACK before LangGraph loads)
from tests.support.background import Job

# Tests never talk to the real Groq, and never depend on the developer's shell.
for _name in ("GROQ_API_KEY", "GROQ_API_BASE", "INTERVIEWER_LLM", "INTERVIEWER_ADMIN_TOKEN"):
    os.environ.pop(_name, None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Launch the background jobs of the selected tests' modules (tests/support/background.py)
    now, so they run while the rest of the suite does; none when no test is going to run."""
    if session.config.option.collectonly:
        return
    for job in _background_jobs(session):
        job.launch()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for job in _background_jobs(session):
        job.clean_up()


def _background_jobs(session: pytest.Session) -> list[Job]:
    jobs: dict[int, Job] = {}
    for item in session.items:
        module = getattr(item, "module", None)
        job = getattr(module, "BACKGROUND_JOB", None)
        if isinstance(job, Job):
            jobs[id(job)] = job
    return list(jobs.values())
