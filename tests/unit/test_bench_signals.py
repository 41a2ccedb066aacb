"""``python -m bench`` stops its servers however it is stopped: SIGTERM ends it the way Ctrl-C
does (every server stopped, the work directory removed), and a killed bench takes its servers
down with it (the kernel tells them: ``PR_SET_PDEATHSIG``).

The servers run in sessions of their own (so the bench can stop a server with its workers), so
nothing but the bench itself, or the kernel, can tell them their parent is gone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.processes import clean_env
from tests.support.background import REPO, kill_tagged, tagged_commands
from tests.support.server import wait_until

TAG = "LEAK_PROBE"


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """A smoke run of the bench, once its Groq stub and a server of ours are running."""
    value = uuid.uuid4().hex
    out = tmp_path / "results.md"
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench", "--smoke", "--no-profile", "--out", str(out)],
            cwd=REPO,
            # Its work directory in tmp_path: a killed bench cannot remove it.
            env=clean_env({TAG: value, "TMPDIR": str(tmp_path)}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:

        def servers_up() -> bool:
            if process.poll() is not None:
                raise AssertionError((tmp_path / "stderr.txt").read_text(errors="replace"))
            lines = tagged_commands(TAG, value).values()
            return any("devkit.groq_server" in c for c in lines) and any(
                c.endswith("-m api") for c in lines
            )

        wait_until(servers_up, 120, 0.1, "the bench's stub and first server")
        yield process, value, tmp_path
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        kill_tagged(TAG, value)  # whatever a failing test left behind


@pytest.mark.timeout(240)
def test_sigterm_stops_the_bench_and_every_server_it_started(
    bench: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, value, tmp = bench
    assert list(tmp.glob("interviewer-bench-*"))  # its work directory, while it runs
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=90)
    assert process.returncode != 0  # interrupted, not finished
    # The bench waits for its servers to stop before it exits, and removes its work directory.
    assert tagged_commands(TAG, value) == {}
    assert list(tmp.glob("interviewer-bench-*")) == []


@pytest.mark.timeout(240)
def test_a_killed_bench_takes_its_servers_down(
    bench: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, value, _ = bench
    process.kill()
    process.wait()
    wait_until(
        lambda: not tagged_commands(TAG, value), 30, 0.1, "the servers of a killed bench to exit"
    )
