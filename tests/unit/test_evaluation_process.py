"""The evaluation worker process is named and niced, so operators and the bench can tell it from
the processes that serve replies (its CPU is the report's cost, not a turn's)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import time
from pathlib import Path

from api.evaluations import EVALUATION_PROCESS_NAME, _prepare_evaluation_process
from bench.procs import is_spawned_helper


def _who() -> tuple[int, str, int]:
    return os.getpid(), Path("/proc/self/comm").read_text().strip(), os.nice(0)


def test_the_evaluation_process_names_itself_and_yields_the_cpu() -> None:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        1, mp_context=context, initializer=_prepare_evaluation_process, initargs=(os.getpid(),)
    ) as pool:
        pid, name, niceness = pool.submit(_who).result(timeout=60)
        assert name == EVALUATION_PROCESS_NAME
        assert niceness >= os.nice(0) + 10 or niceness == 19
        assert is_spawned_helper(pid)
    assert not is_spawned_helper(os.getpid())


def _idle() -> None:
    time.sleep(60)


def test_an_evaluation_process_whose_server_died_before_it_started_exits() -> None:
    # As if the server had been killed while this process was still importing: by then its
    # parent is not the server any more, and waiting for a change would wait forever.
    gone = 2**22 + 1  # no such parent
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_start_then_idle, args=(gone,))
    process.start()
    process.join(timeout=30)
    assert process.exitcode == 0, "the process outlived a server that was already gone"


def _start_then_idle(server_pid: int) -> None:
    _prepare_evaluation_process(server_pid)
    _idle()
