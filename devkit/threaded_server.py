"""The real API on a loopback port, in this process: ``create_app(Settings(...))`` served by
uvicorn in a background thread (tests, and the evaluation benchmark's closing-TTFB run).

``offline_settings`` gives such a server its own database and the offline interviewer model.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from api.config import Settings
from api.http_timeouts import timed_protocol
from api.main import create_app
from devkit.processes import LOOPBACK

T = TypeVar("T")

STARTUP_SECONDS = 30.0


# --- waiting ---------------------------------------------------------------------------------


def wait_until(
    probe: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.02, what: str = ""
) -> T:
    """Poll `probe` until it returns something truthy, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}")
        time.sleep(interval)


# --- servers ---------------------------------------------------------------------------------


def offline_settings(root: Path, **overrides: Any) -> Settings:
    """Settings for a test server: its own database and sessions directory, the offline LLM."""
    values: dict[str, Any] = {
        "db_path": root / "db.sqlite",
        "sessions_dir": root / "sessions",
        "llm": "offline",
        "offline_token_delay": 0.0,
        "session_timeout_minutes": 30.0,
        "sweep_interval_seconds": 60.0,
        "evaluation_backoff_seconds": 0.05,  # a failing evaluation is retried at once
        "log_level": "warning",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class ThreadedServer:
    """`create_app(settings)` under uvicorn on 127.0.0.1:<free port>, in a daemon thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((LOOPBACK, 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=10,
            http=timed_protocol(settings),  # as `python -m api` serves: read deadlines
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def sessions_dir(self) -> Path:
        return self.settings.sessions_dir

    def start(self) -> ThreadedServer:
        self._thread.start()

        def up() -> bool:
            if not self._thread.is_alive():
                raise RuntimeError("the API server thread died during start-up")
            return self._server.started

        wait_until(up, timeout=STARTUP_SECONDS, interval=0.01, what="the API server to start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("the API server thread did not stop")

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
