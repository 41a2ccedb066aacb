"""A PostgreSQL server of a test's own: initdb into a temporary folder, a free loopback port.

For the tests that stop, hang (SIGSTOP) or restart the database: they never touch the shared
server on 5432, which other tests use. PostgreSQL refuses to run as root, so as root the
server runs as the `postgres` user (the folder is handed to it). Skipped (or failed, with
INTERVIEWER_REQUIRE_POSTGRES=1) when the binaries are missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.processes import free_port

BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def _binary(name: str) -> str | None:
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


class OwnPostgres:
    """One PostgreSQL cluster: `url`, and `stop()`, `start()`, `pause()`, `resume()`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            if os.environ.get("INTERVIEWER_REQUIRE_POSTGRES") == "1":
                pytest.fail("initdb/pg_ctl are required here (INTERVIEWER_REQUIRE_POSTGRES=1)")
            pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) for a server of the test's own")
        self.pg_ctl = pg_ctl
        self._user: dict[str, Any] = {}
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            self._user = {"user": "postgres", "group": "postgres"}
        self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *argv: str) -> None:
        subprocess.run(
            argv, check=True, capture_output=True, timeout=120, cwd=self.root, **self._user
        )

    def start(self) -> OwnPostgres:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
            "-w", "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        """Stop at once (connections are cut, as when the database goes down)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def _pids(self) -> list[int]:
        """The postmaster and every process it started."""
        master = int((self.data / "postmaster.pid").read_text().split()[0])
        pids = [master]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
        return pids

    def pause(self) -> None:
        """Hang the database (SIGSTOP to all its processes): it accepts nothing, answers nothing."""
        for pid in self._pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.resume()
        with contextlib.suppress(Exception):
            self.stop()


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A running server of the test's own, removed afterwards (also on failure)."""
    root = Path(tempfile.mkdtemp(prefix="interviewer-pg-"))
    server: OwnPostgres | None = None
    try:
        server = OwnPostgres(root)
        server.start()
        yield server
    finally:
        if server is not None:
            server.close()
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
