"""The evaluation process ends with its server, however the server ends.

uvicorn finishes a graceful shutdown by re-raising SIGTERM, which skips the exit hooks that stop
a process pool's workers, and a SIGKILL skips everything: before, every server that had
evaluated a report left an idle evaluation process behind (one more per restart).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from api.evaluations import EVALUATION_PROCESS_NAME, PARENT_CHECK_SECONDS
from tests.support.server import Api, SubprocessServer, wait_until


def _evaluation_processes(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and name == EVALUATION_PROCESS_NAME:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _evaluated_one(server: SubprocessServer) -> int:
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=1, technical_questions=1)
        api.start_text(sid)
        api.chat_text(sid, "I enjoy building reliable payment systems.")
        assert api.http.post(f"/end-interview/{sid}").status_code == 200

        def ready() -> bool:
            return httpx.get(f"{server.base_url}/report/{sid}").status_code == 200

        wait_until(ready, timeout=60, interval=0.1, what="the report")
    assert server.process is not None
    (worker,) = _evaluation_processes(server.process.pid)
    return worker


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL of the server alone"])
def test_the_evaluation_process_ends_with_its_server(
    make_process: Callable[..., SubprocessServer], how: str
) -> None:
    server = make_process()
    worker = _evaluated_one(server)
    assert server.process is not None
    if how == "SIGTERM":
        server.stop()
    else:
        os.kill(server.process.pid, signal.SIGKILL)  # not the group: the worker is not killed
        server.process.wait()
    wait_until(
        lambda: not _alive(worker),
        timeout=PARENT_CHECK_SECONDS + 10,
        what=f"evaluation process {worker} to exit after its server ({how})",
    )
