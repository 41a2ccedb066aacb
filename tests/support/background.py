"""Slow subprocess checks that start with the test session and are checked by their own test.

The bench smokes (``python -m bench --smoke``, ``python -m bench.evaluation``) are whole runs of
their own servers and load drivers, mostly waiting on loopback: about a minute of wall time
for a few seconds of CPU. A module that defines ``BACKGROUND_JOB = Job(...)`` has it launched
as soon as collection has selected one of its tests (see ``pytest_collection_finish`` in
``tests/conftest.py``), at a lower CPU priority than the suite so the tests running meanwhile
keep the processor; its test then only waits for the result and checks it as before. Run
alone, the test launches the job itself; ``--collect-only`` launches nothing.

A job still running when the session ends (``-x``, Ctrl-C, a failure) gets SIGTERM, on which the
bench stops its servers and exits (SIGINT is not used: a session started in the background of a
script inherits it ignored); after ``grace`` seconds it is killed, and so is every process still
carrying the job's tag in its environment, wherever it was reparented. If the session itself is
killed, the kernel sends the job SIGTERM (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from devkit.processes import clean_env, die_with_parent

REPO = Path(__file__).resolve().parents[2]
NICENESS = 10
"""How much less CPU priority a job gets than the suite (nice(1) steps)."""
TAG = "TEST_JOB_TAG"
"""The environment variable that tags a job and everything it starts (not an ``INTERVIEWER_``
name: the servers' environments drop those)."""


def tagged_processes(variable: str, value: str) -> list[int]:
    """Live processes (this one aside) whose environment holds ``variable=value``.

    Every descendant inherits the environment whoever its parent is now, so this finds a job's
    servers even after they were orphaned to PID 1 (Linux ``/proc``; elsewhere, none).
    """
    needle = f"{variable}={value}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return sorted(found)


def tagged_commands(variable: str, value: str) -> dict[int, str]:
    """The command lines of the processes tagged ``variable=value``, by pid."""
    commands = {}
    for pid in tagged_processes(variable, value):
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # exited meanwhile
            continue
        commands[pid] = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return commands


def kill_tagged(variable: str, value: str, grace: float = 5.0) -> list[int]:
    """SIGTERM every process tagged ``variable=value``, SIGKILL those alive after ``grace``
    seconds; the pids that were found."""
    found = tagged_processes(variable, value)
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and tagged_processes(variable, value):
        time.sleep(0.1)
    for pid in tagged_processes(variable, value):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return found


def _job_preexec() -> Callable[[], None]:
    dies_with_session = die_with_parent()

    def preexec() -> None:
        os.nice(NICENESS)
        dies_with_session()

    return preexec


class Job:
    """``python <args>`` in the repository, writing into its own work directory.

    ``{work}`` in an argument is replaced by that directory. ``timeout`` counts from the launch.
    """

    def __init__(self, name: str, args: Sequence[str], timeout: float, grace: float = 30.0) -> None:
        self.name = name
        self.args = list(args)
        self.timeout = timeout
        self.grace = grace
        """Seconds a stopped job gets to stop its servers and exit before it is killed."""
        self.tag = f"{name}-{uuid.uuid4().hex}"
        """The value of ``TEST_JOB_TAG`` in the environment of the job and all it starts."""
        self.work: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._launched_at = 0.0

    @property
    def launched(self) -> bool:
        return self._process is not None

    def launch(self) -> None:
        if self._process is not None:
            return
        self.work = Path(tempfile.mkdtemp(prefix=f"interviewer-{self.name}-"))
        args = [a.replace("{work}", str(self.work)) for a in self.args]
        with (
            (self.work / "stdout.txt").open("wb") as stdout,
            (self.work / "stderr.txt").open("wb") as stderr,
        ):
            self._process = subprocess.Popen(
                [sys.executable, *args],
                cwd=REPO,
                env=clean_env({TAG: self.tag}),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_job_preexec(),
            )
        self._launched_at = time.monotonic()

    def result(self) -> subprocess.CompletedProcess[str]:
        """Wait for the job (launching it if nobody did) and return what it printed."""
        self.launch()
        assert self._process is not None and self.work is not None
        left = self._launched_at + self.timeout - time.monotonic()
        try:
            code = self._process.wait(timeout=max(0.0, left))
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(
                f"{self.name} did not finish within {self.timeout:g}s of its launch:\n"
                + self._read("stderr.txt")[-4000:]
            ) from None
        return subprocess.CompletedProcess(
            self._process.args, code, self._read("stdout.txt"), self._read("stderr.txt")
        )

    def _read(self, name: str) -> str:
        assert self.work is not None
        return (self.work / name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Ask a running job to stop (SIGTERM: its own clean-up stops its servers), kill it after
        ``grace`` seconds, then kill whatever it started that is still running."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        kill_tagged(TAG, self.tag)

    def clean_up(self) -> None:
        self.stop()
        if self.work is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.work)
