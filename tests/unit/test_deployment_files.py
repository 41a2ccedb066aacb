"""Issue 22, "A container image and a compose file": what the Dockerfile and compose.yaml
promise, read from the files (tests/system/test_container.py builds and runs the image)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from api.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    """The arguments of every `NAME` instruction of the Dockerfile (continuations joined)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in text.splitlines() if line.startswith(f"{name} ")]


def _image_env() -> dict[str, str]:
    return dict(re.findall(r"(\w+)=(\S+)", " ".join(_instructions("ENV"))))


def test_dockerfile_is_multi_stage_on_a_base_image_argument() -> None:
    stages = _instructions("FROM")
    assert len(stages) >= 2
    assert stages[0].startswith("${BASE_IMAGE}")
    assert DOCKERFILE.index("ARG BASE_IMAGE=") < DOCKERFILE.index("FROM ")
    # No `# syntax=` line: that would fetch a frontend image from a registry.
    assert "# syntax=" not in DOCKERFILE


def test_dockerfile_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    (user,) = _instructions("USER")
    assert user.split(":")[0] not in ("root", "0")
    (healthcheck,) = _instructions("HEALTHCHECK")
    assert '"python", "-m", "api.healthcheck"' in healthcheck


def test_dockerfile_installs_the_runtime_dependencies_only() -> None:
    installs = " ".join(run for run in _instructions("RUN") if "pip install" in run)
    assert "requirements.txt" in installs and "['project']['dependencies']" in installs
    assert "dev" not in installs and "optional-dependencies" not in installs


def test_build_context_leaves_out_the_venv_tests_and_git() -> None:
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignore  # everything is left out but what is allowed back in
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert allowed == {"pyproject.toml", "langgraph.json", "graph", "api", "prompts"}


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return compose


def test_compose_runs_two_replicas_of_the_image_on_one_postgres() -> None:
    services = _compose()["services"]
    replicas = {name: s for name, s in services.items() if s.get("build", {}).get("context")}
    assert len(replicas) == 2
    urls = {s["environment"]["INTERVIEWER_DATABASE_URL"] for s in replicas.values()}
    assert len(urls) == 1 and "@postgres:5432/" in urls.pop()
    ports = [port for s in replicas.values() for port in s["ports"]]
    assert len(set(ports)) == 2
    for replica in replicas.values():
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert replica["init"] is True
        assert replica["environment"]["INTERVIEWER_ADMIN_TOKEN"].startswith(
            "${INTERVIEWER_ADMIN_TOKEN:?"
        )
        grace = float(replica["stop_grace_period"].rstrip("s"))
        assert grace > Settings.model_fields["shutdown_grace_seconds"].default
    assert "healthcheck" in services["postgres"]


def test_compose_replicas_share_the_saved_sessions_folder_of_the_image() -> None:
    sessions_dir = _image_env()["INTERVIEWER_SESSIONS_DIR"]
    services = _compose()["services"]
    mounts = {
        tuple(v.split(":")[:2]) for s in services.values() if s.get("build") for v in s["volumes"]
    }
    assert mounts == {("sessions", sessions_dir)}
