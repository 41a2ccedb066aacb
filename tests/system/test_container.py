"""Issue 22, "A container image": the Dockerfile builds on a Debian base made on this machine,
runs as a non-root user with the runtime dependencies only, reports healthy through its
HEALTHCHECK, serves a whole interview (offline model) on this machine's PostgreSQL with host
networking, and stops gracefully on `docker stop`.

The image is built by a background job (tests/support/container.py) while the rest of the suite
runs. Without docker, dockerd, BuildKit or debootstrap the tests skip with the reason, unless
INTERVIEWER_REQUIRE_CONTAINER=1 (set by .ci/run), where that is a failure.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from graph.text import END_MARKER
from tests.support.container import REQUIRE_ENV, ContainerJob, docker
from tests.support.postgres import fresh_database
from tests.support.server import SUBSTANTIVE_ANSWER, Api, free_port, is_final, max_chats, wait_until

BACKGROUND_JOB = ContainerJob(
    "container-image", ["-m", "tests.support.container", "build", "{work}"], timeout=1800
)
# The first test waits for the build; a run takes well under a minute once it is there.
pytestmark = pytest.mark.timeout(1800 + 180)
HEALTHY_SECONDS = 90.0
SETTINGS = {
    "candidate_name": "Ana",
    "job_position": "Backend Engineer",
    "skills": ["python", "sql"],
    "behavioral_questions": 1,
    "technical_questions": 2,
    "custom_questions": ["Why this team?"],
}
DEV_MODULES = ("pytest", "mypy", "ruff", "playwright", "schemathesis", "hypothesis", "pip")


@dataclass(frozen=True)
class Image:
    client: str
    tag: str

    def docker(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        return docker(self.client, *args, timeout=timeout, check=check)

    def logs(self, container: str) -> str:
        """What the container wrote (the service logs to stderr)."""
        return docker(self.client, "logs", container, timeout=30, check=False, merged=True)


@pytest.fixture(scope="module")
def image() -> Iterator[Image]:
    completed = BACKGROUND_JOB.result()
    assert completed.returncode == 0, f"the image build failed:\n{completed.stderr[-6000:]}"
    assert BACKGROUND_JOB.work is not None
    result = json.loads((BACKGROUND_JOB.work / "result.json").read_text())
    if "unavailable" in result:
        reason = f"cannot build the container image here: {result['unavailable']}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"the container tests are required here ({REQUIRE_ENV}=1): {reason}")
        pytest.skip(reason)
    built = Image(result["client"], result["image"])
    yield built
    built.docker("image", "rm", "--force", built.tag, check=False)


def test_image_runs_as_a_non_root_user_with_a_healthcheck_and_no_development_tools(
    image: Image,
) -> None:
    config = json.loads(image.docker("image", "inspect", image.tag))[0]["Config"]
    assert config["User"] == "interviewer:interviewer"
    assert config["Healthcheck"]["Test"] == ["CMD", "python", "-m", "api.healthcheck"]
    assert config["Cmd"] == ["python", "-m", "api"]
    probe = (
        "import importlib.util, json, os, sys; "
        f"print(json.dumps({{'uid': os.getuid(), 'cwd': os.getcwd(), 'app': sorted(os.listdir()), "
        f"'found': [m for m in {list(DEV_MODULES)!r} if importlib.util.find_spec(m)], "
        "'runtime': [m for m in ('fastapi', 'langgraph', 'psycopg', 'uvicorn') "
        "if importlib.util.find_spec(m)]}))"
    )
    seen = json.loads(
        image.docker("run", "--rm", "--network", "none", image.tag, "python", "-c", probe)
    )
    assert seen["uid"] == 10001
    assert seen["found"] == [], "development tools (or pip) in the image"
    assert seen["runtime"] == ["fastapi", "langgraph", "psycopg", "uvicorn"]
    # The code, prompts and settings only: no tests, bench, venv, git metadata or databases.
    assert seen["cwd"] == "/app"
    assert set(seen["app"]) <= {
        "api",
        "graph",
        "prompts",
        "langgraph.json",
        "pyproject.toml",
        "requirements.txt",
    }


def _health(image: Image, name: str) -> str | None:
    state = json.loads(image.docker("inspect", "--format", "{{json .State}}", name))
    if not state["Running"]:
        raise AssertionError(
            f"the container exited ({state['ExitCode']}):\n{image.logs(name)[-6000:]}"
        )
    status: str | None = (state.get("Health") or {}).get("Status")
    return status if status == "healthy" else None


def _play(api: Api, session_id: str) -> str:
    text = api.start_text(session_id).text
    for _ in range(max_chats(4)):
        if is_final(text):
            return text
        reply = api.chat_text(session_id, SUBSTANTIVE_ANSWER)
        assert reply.status_code == 200, reply.body
        text = reply.text
    raise AssertionError("the interview did not finish")


def test_image_serves_a_whole_interview_on_postgres_with_host_networking_then_stops_gracefully(
    image: Image,
) -> None:
    name = f"interviewer-test-{secrets.token_hex(4)}"
    port = free_port()
    with fresh_database() as url:
        try:
            image.docker(
                "run",
                "--detach",
                "--name",
                name,
                "--init",
                "--network",
                "host",
                "--health-interval",
                "1s",  # the image's own 30 s, shortened so the test sees "healthy" soon
                "--env",
                "INTERVIEWER_HOST=127.0.0.1",
                "--env",
                f"INTERVIEWER_PORT={port}",
                "--env",
                f"INTERVIEWER_DATABASE_URL={url}",
                "--env",
                "INTERVIEWER_WORKERS=2",
                "--env",
                "INTERVIEWER_LLM=offline",
                image.tag,
            )
            wait_until(
                lambda: _health(image, name),
                timeout=HEALTHY_SECONDS,
                interval=0.5,
                what="the container to report healthy",
            )
            base = f"http://127.0.0.1:{port}"
            with Api(base) as api:
                links = api.http.get("/").json()["links"]
                assert api.http.get(links["console"]).status_code == 200
                session_id = api.create(**SETTINGS)
                closing = _play(api, session_id)
                assert closing.rstrip().endswith(END_MARKER)
                status = api.status(session_id)
                assert status["active"] is False
                assert status["questions_asked"] == status["total_expected_questions"] > 0
                # The evaluation process runs in the container too.
                assert api.wait_report(session_id, timeout=90)["status"] == "ready"
            logs = image.logs(name)
            assert logs.count("Serving on") == 1, logs
            assert "sessions and checkpoints in PostgreSQL" in logs, logs

            image.docker("stop", "--time", "30", name, timeout=60)
            state = json.loads(image.docker("inspect", "--format", "{{json .State}}", name))
            logs = image.logs(name)
            assert state["ExitCode"] in (0, 143), logs  # done, or uvicorn's re-raised SIGTERM
            assert logs.count("Application shutdown complete.") == 2, logs
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{base}/healthz", timeout=2)
        finally:
            image.docker("rm", "--force", name, check=False)
