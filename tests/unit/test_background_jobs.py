"""Anything the test session starts, it stops: nothing on ``--collect-only``, and a job stopped
before its end (a failed, interrupted or timed-out session) leaves no process behind, even one
that ignores being asked to stop and whose own children were orphaned.

The processes are found by a variable in their environment, which every descendant inherits
(:func:`tests.support.background.tagged_processes`), not by parentage: an orphan's parent is
PID 1. The pytest under test runs with SIGINT ignored, as a process started in the background of
a non-interactive shell (a script's ``&``, some CI runners) inherits it: the old clean-up sent
SIGINT, waited 30 s and SIGKILLed the bench, whose Groq stub and ``python -m api`` then ran on.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from devkit.processes import clean_env
from tests.support.background import REPO, Job, kill_tagged, tagged_commands, tagged_processes

TAG = "LEAK_PROBE"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _modules_with_jobs() -> list[str]:
    return sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "tests").rglob("test_*.py")
        if "BACKGROUND_JOB = Job(" in path.read_text(encoding="utf-8")
    )


def _survivors(value: str, settle: float) -> list[str]:
    """The tagged processes still alive after up to ``settle`` seconds, by command line."""
    deadline = time.monotonic() + settle
    while tagged_processes(TAG, value) and time.monotonic() < deadline:
        time.sleep(0.1)
    return sorted(tagged_commands(TAG, value).values())


@pytest.fixture
def tag() -> Iterator[str]:
    value = uuid.uuid4().hex
    yield value
    kill_tagged(TAG, value)  # whatever a failing test left behind


@pytest.mark.timeout(300)
def test_collect_only_leaves_no_process_behind(tag: str) -> None:
    modules = _modules_with_jobs()
    assert "tests/unit/test_bench_smoke.py" in modules
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            *modules,
        ],
        cwd=REPO,
        env=clean_env({TAG: tag}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=_ignore_sigint,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _survivors(tag, settle=5.0) == []


STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True
)
with open(sys.argv[1], "w") as out:
    out.write(str(child.pid))
time.sleep(600)
"""
"""A job that ignores SIGINT and SIGTERM, with a child in a session of its own (as the bench's
servers are)."""


@pytest.mark.timeout(120)
def test_a_stopped_job_leaves_no_process_behind(tag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TAG, tag)
    job = Job("stubborn", ["-c", STUBBORN, "{work}/child.pid"], timeout=60)
    job.grace = 2.0  # how long a job is given to stop by itself before it is killed
    try:
        job.launch()
        assert job.work is not None
        deadline = time.monotonic() + 30
        while not (job.work / "child.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(tagged_processes(TAG, tag)) == 2  # the job and its child
    finally:
        job.clean_up()
    assert _survivors(tag, settle=5.0) == []
