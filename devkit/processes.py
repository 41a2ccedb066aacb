"""Child processes on loopback: a free port, the environment a server under test gets, and
children that do not outlive the process that started them."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping

LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the service's own settings (``INTERVIEWER_*``,
    ``GROQ_*``) and ``PYTHONPATH``, plus ``extra``: a child server is configured by what it is
    given, never by the developer's shell."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INTERVIEWER_", "GROQ_")) and k != "PYTHONPATH"
    }
    env.update(extra or {})
    return env


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` after which the kernel sends ``sig`` to the child when its parent dies
    (Linux ``PR_SET_PDEATHSIG``), however it dies: a server started by the bench does not
    outlive a killed bench, nor a bench a killed test session. SIGTERM lets a server shut down
    gracefully. Elsewhere than on Linux, a no-op.

    The kernel watches the *thread* that started the child: start children from a thread that
    lives as long as they should (the main thread, in the bench and the test session).
    """
    prctl = _prctl()  # looked up before the fork: the child only calls it
    parent = os.getpid()

    def preexec() -> None:
        if prctl is None:
            return
        prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody else will tell us
            os.kill(os.getpid(), sig)

    return preexec


def exit_on_sigterm() -> None:
    """Make SIGTERM end this process the way Ctrl-C does: an exception in the main thread, so
    every ``finally`` and ``with`` on the way out runs (servers stopped, databases dropped,
    temporary directories removed) instead of the process vanishing and orphaning its children.
    A second SIGTERM during that clean-up is ignored; SIGKILL remains for one that hangs."""

    def terminate(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
