"""Slow subprocess checks that start with the test session and are checked by their own test.

The bench smokes (``python -m bench --smoke``, ``python -m bench.evaluation``) are whole runs of
their own servers and load drivers, mostly waiting on loopback: about a minute of wall time
for a few seconds of CPU. A module that defines ``BACKGROUND_JOB = Job(...)`` has it launched
as soon as collection has selected one of its tests (see ``pytest_collection_finish`` in
``tests/conftest.py``), at a lower CPU priority than the suite so the tests running meanwhile
keep the processor; its test then only waits for the result and checks it as before. Run
alone, the test launches the job itself. A job still running when the session ends (``-x``,
Ctrl-C) gets SIGINT, so it stops its servers, then SIGKILL.
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
from collections.abc import Sequence
from pathlib import Path

from devkit.processes import clean_env

REPO = Path(__file__).resolve().parents[2]
NICENESS = 10
"""How much less CPU priority a job gets than the suite (nice(1) steps)."""


def _lower_priority() -> None:
    os.nice(NICENESS)


class Job:
    """``python <args>`` in the repository, writing into its own work directory.

    ``{work}`` in an argument is replaced by that directory. ``timeout`` counts from the launch.
    """

    def __init__(self, name: str, args: Sequence[str], timeout: float) -> None:
        self.name = name
        self.args = list(args)
        self.timeout = timeout
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
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_lower_priority,
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
        """Interrupt a running job (its own cleanup stops its servers), then kill it."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def clean_up(self) -> None:
        self.stop()
        if self.work is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.work)
