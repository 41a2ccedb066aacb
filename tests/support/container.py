"""The container image, built on this machine for the system test (tests/system/test_container.py).

No image registry is reachable here, so the image's base is made locally: the Debian base image
of `deploy/debian-base-image.sh` (debootstrap from this machine's apt sources, then `docker
import`, tagged by a hash of its recipe, so built once), then our `Dockerfile` on it with
`--network host` (pip inside the build reaches the package registries as pip does here).

The build is a background job (tests/support/background.py): `python -m tests.support.container
build WORK` runs while the rest of the suite does and leaves `WORK/result.json`:
``{"image": tag, "base": tag, "seconds": {...}}``, or ``{"unavailable": reason}`` when this
machine cannot build images (the test skips, or fails under INTERVIEWER_REQUIRE_CONTAINER=1).

If no docker daemon answers, the job starts `dockerd` (as root, with its usual data directory,
so the cached images outlive it) and records its pid in `WORK/dockerd.pid`; `ContainerJob`
stops that daemon, and removes the test's image, when the session ends.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.background import REPO, Job

BASE_SCRIPT = REPO / "deploy" / "debian-base-image.sh"
IMAGE_NAME = "ai-interviewer-test"
DAEMON_START_SECONDS = 60.0
REQUIRE_ENV = "INTERVIEWER_REQUIRE_CONTAINER"


class Unavailable(Exception):
    """This machine cannot build or run the image (a reason to skip, not a failure)."""


# --- the docker CLI and daemon ---------------------------------------------------------------


def _client_version(client: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(
            [client, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except OSError:
        return None
    found = re.search(r"version (\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else None


def docker_client() -> str:
    """A docker CLI that builds with BuildKit (the Dockerfile mounts build secrets).

    Docker 23+ builds with BuildKit through its buildx plugin; Debian's docker.io 20.10 has
    BuildKit built in (with DOCKER_BUILDKIT=1). A newer CLI without buildx cannot, so the
    PATH's `docker` is passed over for Debian's when it is one of those.
    """
    candidates = [shutil.which("docker"), "/usr/bin/docker"]
    seen: list[str] = []
    for client in candidates:
        if client is None or client in seen or not os.access(client, os.X_OK):
            continue
        seen.append(client)
        version = _client_version(client)
        if version is None:
            continue
        if version < (23, 0):
            return client
        buildx = subprocess.run(
            [client, "buildx", "version"], capture_output=True, timeout=20, check=False
        )
        if buildx.returncode == 0:
            return client
    if not seen:
        raise Unavailable("no docker CLI (apt-get install docker.io)")
    raise Unavailable(f"no docker CLI here builds with BuildKit ({', '.join(seen)})")


def docker(
    client: str, *args: str, timeout: float = 120, check: bool = True, merged: bool = False
) -> str:
    """`docker ARGS`: its stdout (and stderr, `merged`); its stderr in the error when it fails
    and `check` is set."""
    done = subprocess.run(
        [client, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
    )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"docker {' '.join(args)} failed ({done.returncode}):\n{done.stderr or done.stdout}"
        )
    return done.stdout


def daemon_answers(client: str) -> bool:
    done = subprocess.run(
        [client, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0


def start_daemon(client: str, log: Path) -> int:
    """Start `dockerd` (none answers) and return its pid once it answers."""
    dockerd = shutil.which("dockerd") or (
        "/usr/sbin/dockerd" if Path("/usr/sbin/dockerd").exists() else None
    )
    if dockerd is None:
        raise Unavailable("no docker daemon answers and dockerd is not installed")
    if os.geteuid() != 0:
        raise Unavailable("no docker daemon answers, and only root may start dockerd")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [dockerd],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this job, until ContainerJob stops it
        )
    deadline = time.monotonic() + DAEMON_START_SECONDS
    while not daemon_answers(client):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_daemon(process.pid)
            raise Unavailable(f"dockerd did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.25)
    return process.pid


def stop_daemon(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM the daemon this module started (it stops its containerd too), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            break
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False  # our child, now reaped
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie is gone but for its reaping


# --- pip's settings for the build ------------------------------------------------------------


def pip_secrets(work: Path) -> list[str]:
    """`--secret` flags that let pip in the build reach the indexes pip here uses.

    pip here may trust a CA of its own (`cert`, e.g. a TLS-inspecting proxy's) and name other
    indexes; the build gets that CA bundle and the http(s) indexes. Local paths (file://
    indexes, find-links, constraints) are not visible inside the build and are left out.
    """
    values: dict[str, str] = {}
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    for line in listed.splitlines():
        key, _, raw = line.partition("=")
        option = key.rpartition(".")[2]
        values.setdefault(option, raw.strip().strip("'\""))
    for option in ("cert", "index-url", "extra-index-url"):
        env = os.environ.get("PIP_" + option.upper().replace("-", "_"))
        if env:
            values[option] = env
    flags: list[str] = []
    cert = values.get("cert")
    if cert and Path(cert).is_file():
        flags += ["--secret", f"id=pip_ca,src={cert}"]
    conf = configparser.ConfigParser()
    conf["global"] = {}
    for option in ("index-url", "extra-index-url"):
        urls = [u for u in values.get(option, "").split() if u.startswith(("http://", "https://"))]
        if urls:
            conf["global"][option] = " ".join(urls)
    if conf["global"]:
        path = work / "pip.conf"
        with path.open("w") as out:
            conf.write(out)
        flags += ["--secret", f"id=pip_conf,src={path}"]
    return flags


# --- the build ---------------------------------------------------------------------------------


BASE_UNAVAILABLE = 69
"""deploy/debian-base-image.sh's exit status when this machine cannot make a base image."""


def _run_interruptibly(command: Sequence[str], log: Path, timeout: float) -> tuple[int, str]:
    """Run `command` in its own process group, stderr appended to `log`: its status and stdout.
    On an interrupt or a timeout the whole group gets SIGTERM (its own clean-up runs), then
    SIGKILL."""
    with log.open("ab") as err:
        process = subprocess.Popen(
            list(command),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
            start_new_session=True,
        )
        try:
            out, _ = process.communicate(timeout=timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            raise
    return process.returncode, out.decode()


def _failed(command: Sequence[str], status: int, log: Path) -> RuntimeError:
    tail = log.read_text(errors="replace")[-4000:]
    return RuntimeError(f"{' '.join(command)} failed ({status}):\n{tail}")


def build(work: Path) -> dict[str, Any]:
    """The base image (cached by recipe) and the image on it; what `result.json` records."""
    seconds: dict[str, float] = {}
    result: dict[str, Any] = {"seconds": seconds}
    try:
        client = result["client"] = docker_client()
        if not daemon_answers(client):
            pid = start_daemon(client, work / "dockerd.log")
            (work / "dockerd.pid").write_text(str(pid))
            result["started_dockerd"] = pid
    except Unavailable as exc:
        return {"unavailable": str(exc)}

    log = work / "build.log"
    started = time.monotonic()
    command = ["sh", str(BASE_SCRIPT)]
    status, out = _run_interruptibly(command, log, timeout=1200)
    if status == BASE_UNAVAILABLE:
        return {"unavailable": log.read_text(errors="replace").strip().splitlines()[-1]}
    if status != 0:
        raise _failed(command, status, log)
    seconds["base"] = round(time.monotonic() - started, 1)
    result["base"] = base = out.strip().splitlines()[-1]

    tag = f"{IMAGE_NAME}:{secrets.token_hex(6)}"
    (work / "image.txt").write_text(tag)  # for the clean-up, even if the build fails
    started = time.monotonic()
    command = [client, "build", "--network", "host", "--progress", "plain"]
    command += ["--build-arg", f"BASE_IMAGE={base}", *pip_secrets(work)]
    command += ["--tag", tag, "--file", str(REPO / "Dockerfile"), str(REPO)]
    status, _ = _run_interruptibly(command, log, timeout=1200)
    if status != 0:
        raise _failed(command, status, log)
    seconds["image"] = round(time.monotonic() - started, 1)
    result["image"] = tag
    return result


# --- the background job ----------------------------------------------------------------------


class ContainerJob(Job):
    """The build job, whose clean-up also removes the test's image and stops a daemon the
    job started (the build cache and the base image stay, for the next run)."""

    def clean_up(self) -> None:
        self.stop()
        if self.work is not None:
            image = self.work / "image.txt"
            pid_file = self.work / "dockerd.pid"
            with contextlib.suppress(Exception):
                if image.exists():
                    client = docker_client()
                    docker(client, "image", "rm", "--force", image.read_text().strip(), check=False)
            if pid_file.exists():
                stop_daemon(int(pid_file.read_text()))
        super().clean_up()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "build":
        print("usage: python -m tests.support.container build WORK_DIR", file=sys.stderr)
        return 2
    work = Path(argv[1])
    work.mkdir(parents=True, exist_ok=True)
    result = build(work)
    (work / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
