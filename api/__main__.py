"""`python -m api`: serve `api.main:app` on INTERVIEWER_HOST:INTERVIEWER_PORT.

(`python -m api audit ...` and `python -m api users ...` are commands instead: api/cli.py.)

With more than one worker (INTERVIEWER_WORKERS, default: one per core this process may run on)
uvicorn's supervisor binds the socket once and runs that many worker processes accepting on it;
each runs the app's lifespan on the one database, which the sessions' leases make safe (see
docs/OPERATIONS.md, "Scaling"). SIGTERM/SIGINT to the supervisor stop every worker gracefully; a
worker that dies is replaced.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
from typing import Any

import uvicorn
from pydantic import ValidationError
from uvicorn.config import LOGGING_CONFIG

from api.cli import COMMANDS
from api.cli import run as run_command
from api.config import Settings, get_settings
from api.landing import log_links

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def worker_count(settings: Settings) -> int:
    """The configured number of worker processes, or one per usable core."""
    if settings.workers is not None:
        return settings.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging plus our own loggers, applied in every worker process.

    Workers are spawned afresh, so a `basicConfig` in the supervisor would not reach them: the
    service's own records (errors above all) would lose their level and time.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["service"] = {"format": LOG_FORMAT}
    config["handlers"]["service"] = {
        "formatter": "service",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["service"], "level": level.upper()}
    return config


EXIT_BAD_SETTINGS = 2
"""The exit status of a start refused for its settings (a supervisor should not retry it)."""


def settings_or_exit() -> Settings:
    """The settings, or a clear message per invalid one and exit status 2 (no traceback)."""
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "INTERVIEWER_" + "_".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"invalid setting {name}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        sys.exit(run_command(sys.argv[1:]))
    settings = settings_or_exit()
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    workers = worker_count(settings)
    log_links(settings.host, settings.port, workers)  # here, once, not in each worker
    uvicorn.run(
        "api.main:app",
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level),
        workers=workers,
        # Longer than the clients' own idle keep-alive (Node's and httpx's are 5 s), so the
        # server never closes a connection a client is just reusing.
        timeout_keep_alive=30,
        # Replies get the grace to finish (SSE ones then end with an error event); this is
        # the backstop after which uvicorn itself cancels what is left.
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 10,
    )


if __name__ == "__main__":
    main()
