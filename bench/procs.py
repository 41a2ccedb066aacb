"""Server subprocesses for the benchmark, and what /proc says about them (CPU, RSS).

Every server the bench talks to (the Groq-protocol stub, our API, the baseline) runs in its own
process on a loopback port, so its CPU time and memory are its own and can be read from
``/proc/<pid>/stat`` and ``/proc/<pid>/status``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from devkit.processes import LOOPBACK, die_with_parent

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), in seconds."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces; fields after the closing ')' are fixed.
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """The process's children, their children, ... (e.g. uvicorn's worker processes)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                for child in task.read_text().split():
                    found.append(int(child))
                    todo.append(int(child))
    return found


def is_spawned_helper(pid: int) -> bool:
    """The server's evaluation process (it names itself), not a process serving requests."""
    from api.evaluations import EVALUATION_PROCESS_NAME

    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == EVALUATION_PROCESS_NAME
    except OSError:
        return False


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and every live descendant serving with it (a supervisor and its
    workers), not its spawned helper processes (the evaluation worker)."""
    members = [pid, *(p for p in descendants(pid) if not is_spawned_helper(p))]
    total = 0.0
    for each in members:
        with contextlib.suppress(OSError, ValueError):
            total += cpu_seconds(each)
    return total


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, in bytes (``VmRSS``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Server:
    """One server subprocess on ``127.0.0.1:port``, ready once ``probe_path`` answers."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        port: int,
        *,
        env: Mapping[str, str],
        log_path: Path,
        probe_path: str,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.args = [sys.executable, *args]
        self.port = port
        self.env = dict(env)
        self.log_path = log_path
        self.probe_path = probe_path
        self.cwd = cwd
        self.base_url = f"http://{LOOPBACK}:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    def start(self, timeout: float = 60.0) -> Server:
        """Start the process and wait until it answers ``probe_path``."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: a kill also takes the worker processes with it. Being
                # in a session of its own, it would not hear of the bench's death: the kernel
                # tells it (SIGTERM) however the bench ends.
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
        finally:
            log.close()
        try:
            return self._wait_ready(timeout)
        except BaseException:  # not ready, or the bench interrupted: nobody else will stop it
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> Server:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode} during start-up:\n"
                        + self.log_tail()
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.base_url + self.probe_path).status_code < 500:
                        return self
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start in {timeout:g}s")
                time.sleep(0.05)

    def cpu(self) -> float:
        """CPU seconds the process and its worker processes have used so far (serving turns:
        not the evaluation worker, whose reports are measured in bench/evaluation.md)."""
        return tree_cpu_seconds(self.pid)

    def rss(self) -> int:
        """The process's resident memory now, in bytes."""
        return rss_bytes(self.pid)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (graceful: uvicorn finishes and closes the database), then SIGKILL."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)

    def kill(self) -> None:
        """Stop at once (the baseline may be stuck in a blocking LLM call)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        _kill_group(process)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the process's log, for error messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
