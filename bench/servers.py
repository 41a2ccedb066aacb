"""The servers of one benchmark run: the Groq-protocol stub, and fresh servers of either side
(ours, ``python -m api``; the baseline, the seed's design) in one work directory, started and
always stopped; what their logs say went wrong; the run's progress log."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.options import Options
from bench.procs import Server
from devkit.processes import clean_env, free_port


class Bench:
    """The stub, and factories for fresh servers of either side, in one work directory."""

    def __init__(self, options: Options, work: Path) -> None:
        self.options = options
        self.work = work
        port = free_port()
        self.stub = Server(
            "groq-stub",
            [
                "-m",
                "devkit.groq_server",
                "--port",
                str(port),
                "--reply-words",
                str(options.reply_words),
            ],
            port,
            env=clean_env({}),
            log_path=work / "stub.log",
            probe_path="/_control/stats",
        )
        self._http = httpx.Client(timeout=30.0)
        self._count = 0
        self.baseline_turns = 13
        """Candidate messages after which the baseline closes (set from our zero-latency run)."""

    # stub control

    def stub_config(self, ttft_ms: float, token_delay_ms: float) -> None:
        response = self._http.post(
            self.stub.base_url + "/_control/config",
            json={"ttft": ttft_ms / 1000, "token_delay": token_delay_ms / 1000},
        )
        response.raise_for_status()

    def stub_reset(self) -> None:
        self._http.post(self.stub.base_url + "/_control/reset").raise_for_status()

    def stub_stats(self) -> dict[str, Any]:
        response = self._http.get(self.stub.base_url + "/_control/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    # servers

    def _dir(self, name: str) -> Path:
        self._count += 1
        path = self.work / f"{self._count:02d}-{name}"
        path.mkdir(parents=True)
        return path

    def ours(self, name: str, *, workers: int = 1, database_url: str | None = None) -> Server:
        """A fresh ``python -m api`` with its own database (or ``database_url``), against the
        stub, with ``workers`` worker processes."""
        root = self._dir(name)
        port = free_port()
        env = clean_env(
            {
                **({"INTERVIEWER_DATABASE_URL": database_url} if database_url else {}),
                "INTERVIEWER_WORKERS": str(workers),
                "INTERVIEWER_HOST": "127.0.0.1",
                "INTERVIEWER_PORT": str(port),
                "INTERVIEWER_DB_PATH": str(root / "interviews.sqlite"),
                "INTERVIEWER_SESSIONS_DIR": str(root / "sessions"),
                "INTERVIEWER_LLM": "groq",
                "INTERVIEWER_LOG_LEVEL": "warning",
                # The load comes from one address: the open-mode creation limit is for strangers.
                "INTERVIEWER_CREATE_RATE_PER_SECOND": "0",
                "GROQ_API_KEY": "bench",
                "GROQ_API_BASE": self.stub.base_url,
            }
        )
        # cwd = its own directory, so a developer's .env in the repo cannot change the run.
        return Server(
            name,
            ["-m", "api"],
            port,
            env=env,
            log_path=root / "server.log",
            probe_path="/healthz",
            cwd=root,
        )

    def baseline(self, name: str) -> Server:
        """A fresh baseline (the seed's design) against the stub."""
        root = self._dir(name)
        port = free_port()
        env = clean_env({"GROQ_API_KEY": "bench", "GROQ_API_BASE": self.stub.base_url})
        return Server(
            name,
            [
                "-m",
                "bench.baseline_server",
                "--port",
                str(port),
                "--turns-per-interview",
                str(self.baseline_turns),
            ],
            port,
            env=env,
            log_path=root / "server.log",
            probe_path="/healthz",
            cwd=root,
        )

    def close(self) -> None:
        self._http.close()
        self.stub.stop()


def server_errors(server: Server) -> int:
    """ERROR lines in a server's log (a plain-text client cannot see a failed commit)."""
    if not server.log_path.exists():
        return 0
    return sum(
        1 for line in server.log_path.read_text(errors="replace").splitlines() if " ERROR " in line
    )


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)\w*)(?::\s*(.*))?$")


def error_kinds(server: Server) -> dict[str, int]:
    """The exceptions that tracebacks in a server's log ended with, counted."""
    kinds: Counter[str] = Counter()
    if server.log_path.exists():
        for line in server.log_path.read_text(errors="replace").splitlines():
            match = _EXCEPTION_LINE.match(line)
            if match:
                kinds[f"{match.group(1)}: {(match.group(2) or '')[:80]}".rstrip(": ")] += 1
    return dict(kinds)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def running(server: Server, *, kill: bool = False) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        if kill:
            server.kill()
        else:
            server.stop()
