"""The evaluation worker process is named and niced, so operators and the bench can tell it from
the processes that serve replies (its CPU is the report's cost, not a turn's)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from pathlib import Path

from api.evaluations import EVALUATION_PROCESS_NAME, _prepare_evaluation_process
from bench.procs import is_spawned_helper


def _who() -> tuple[int, str, int]:
    return os.getpid(), Path("/proc/self/comm").read_text().strip(), os.nice(0)


def test_the_evaluation_process_names_itself_and_yields_the_cpu() -> None:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        1, mp_context=context, initializer=_prepare_evaluation_process
    ) as pool:
        pid, name, niceness = pool.submit(_who).result(timeout=60)
        assert name == EVALUATION_PROCESS_NAME
        assert niceness >= os.nice(0) + 10 or niceness == 19
        assert is_spawned_helper(pid)
    assert not is_spawned_helper(os.getpid())
