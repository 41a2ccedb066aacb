"""`python -m api`: serve `api.main:app` on INTERVIEWER_HOST:INTERVIEWER_PORT.

(`python -m api audit ...` and `python -m api users ...` are commands instead: api/cli.py.)

With more than one worker (INTERVIEWER_WORKERS, default: one per core this process may run on)
uvicorn's supervisor binds the socket once and runs that many worker processes accepting on it;
each runs the app's lifespan on the one database, which the sessions' leases make safe (see
docs/OPERATIONS.md, "Scaling"). SIGTERM/SIGINT to the supervisor stop every worker gracefully; a
worker that dies is replaced. A worker that fails to start (its database did not come within
INTERVIEWER_DB_STARTUP_WAIT_SECONDS) stops the supervisor with exit code 3, as one process
does, so `Restart=on-failure` and container restart policies see the failure.
"""

from __future__ import annotations

import copy
import logging
import logging.config
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import ValidationError
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from api.cli import COMMANDS
from api.cli import run as run_command
from api.config import Settings, get_settings
from api.landing import log_links

APP = "api.main:app"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def worker_count(settings: Settings) -> int:
    """The configured number of worker processes, or one per usable core."""
    if settings.workers is not None:
        return settings.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def log_config(level: str, fmt: str = "text") -> dict[str, Any]:
    """uvicorn's logging plus our own loggers, applied in every worker process.

    Workers are spawned afresh, so a `basicConfig` in the supervisor would not reach them: the
    service's own records (errors above all) would lose their level and time. With
    `fmt="json"` every record, uvicorn's included, is one JSON line carrying the request id,
    and our per-request line (api.logs.RequestLog) replaces uvicorn's access log.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["service"] = {"format": LOG_FORMAT}
    config["filters"] = {"request_id": {"()": "api.logs.RequestIdFilter"}}
    config["handlers"]["service"] = {
        "formatter": "service",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "filters": ["request_id"],
    }
    config["root"] = {"handlers": ["service"], "level": level.upper()}
    if fmt == "json":
        for name in ("service", "default", "access"):
            config["formatters"][name] = {"()": "api.logs.JsonFormatter"}
        for handler in config["handlers"].values():
            handler["filters"] = ["request_id"]
        config["loggers"]["uvicorn.access"] = {"handlers": [], "propagate": False}
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
    logs = log_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(logs)
    workers = worker_count(settings)
    log_links(settings.host, settings.port, workers)  # here, once, not in each worker
    # Several workers: each keeps its metrics in a file of one shared folder, and a scrape
    # sums them (api/metrics.py). Made before any worker starts; removed when all stopped.
    made = prepare_metrics_dir(workers)
    if made is not None:
        _remove_on_signal_exit(made)
    try:
        _serve(settings, workers, logs)
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _remove_on_signal_exit(folder: Path) -> None:
    """uvicorn ends a graceful shutdown by re-raising SIGTERM/SIGINT with the handlers it found
    at start restored, so `finally` never runs: these handlers remove the folder, then die of
    the same signal, as uvicorn meant."""

    def remove_then_die(signum: int, _: object) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, remove_then_die)


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(workers: int) -> Path | None:
    """An empty folder for the workers' metrics, named in the environment they inherit: the
    operator's (emptied: a previous run's values would be summed in), or with several workers
    one of our own (returned, to be removed at exit). Before prometheus-client is imported."""
    named = os.environ.get(METRICS_DIR_ENV)
    if named:
        folder = Path(named)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return None
    if workers == 1:
        return None  # one process: its own registry, in memory
    made = Path(tempfile.mkdtemp(prefix="interviewer-metrics-"))
    os.environ[METRICS_DIR_ENV] = str(made)
    return made


def _serve(settings: Settings, workers: int, logs: dict[str, Any]) -> None:
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": logs,
        "workers": workers,
        # uvicorn's httptools protocol with header and body read deadlines (a half-sent
        # request is closed, not held for ever); each worker reads them from the settings.
        "http": "api.http_timeouts:TimedHttpProtocol",
        # Longer than the clients' own idle keep-alive (Node's and httpx's are 5 s), so the
        # server never closes a connection a client is just reusing.
        "timeout_keep_alive": 30,
        # Replies get the grace to finish (SSE ones then end with an error event); this is
        # the backstop after which uvicorn itself cancels what is left.
        "timeout_graceful_shutdown": int(settings.shutdown_grace_seconds) + 10,
    }
    if workers == 1:
        # A start-up that fails (the database did not come within its wait) exits non-zero.
        uvicorn.run(APP, **options)
        return
    sys.exit(supervise(uvicorn.Config(APP, **options)))


def supervise(config: uvicorn.Config) -> int:
    """Run the workers under uvicorn's supervisor; the exit code: non-zero when a worker
    failed to start. uvicorn's own `run` stops the supervisor then but returns 0, which
    defeats `Restart=on-failure` and a container's restart policy."""
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        logging.getLogger("api").error(
            "a worker failed to start; the supervisor exits with code %d", STARTUP_FAILURE
        )
        return STARTUP_FAILURE
    return 0


if __name__ == "__main__":
    main()
