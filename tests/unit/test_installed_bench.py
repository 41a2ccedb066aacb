"""The wheel ships a working benchmark and a working service: installed into a fresh virtual
environment, ``bench`` and ``devkit`` import and their entry points start, and the API runs an
interview's first turns with the prompt files the wheel carries, with no source tree on
``sys.path``.

``tests/`` is not in the wheel, so anything the benchmark shares with the tests lives in
``devkit/`` (see tests/support/wheel_install.py for how the environment is built).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.background import Job
from tests.support.wheel_install import ENTRY_POINTS, REPO

BACKGROUND_JOB = Job(
    "wheel-install",
    ["-m", "tests.support.wheel_install", "--work", "{work}/install"],
    timeout=420,  # pip installs every dependency into the new environment
)
"""Launched when the session starts (tests/support/background.py): ~40 s, mostly pip."""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    completed = BACKGROUND_JOB.result()
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert BACKGROUND_JOB.work is not None
    data: dict[str, Any] = json.loads(
        (BACKGROUND_JOB.work / "install" / "report.json").read_text(encoding="utf-8")
    )
    for name, step in data["steps"].items():
        assert step["returncode"] == 0, f"{name}: {step['stderr'] or step['stdout']}"
    return data


@pytest.mark.timeout(450)
def test_the_wheel_ships_bench_and_devkit(report: dict[str, Any]) -> None:
    assert {"bench", "devkit", "graph", "api"} <= set(report["packages"])


@pytest.mark.timeout(450)
def test_every_shipped_module_imports_from_the_installed_environment(
    report: dict[str, Any],
) -> None:
    imported = report["imported"]
    assert imported["failed"] == {}
    files: dict[str, str] = imported["files"]
    assert "bench.phases" in files and "devkit.groq_server" in files
    from_source = {name: f for name, f in files.items() if Path(f).is_relative_to(REPO)}
    assert from_source == {}, "loaded from the source tree instead of the installed wheel"
    assert not any(name == "tests" or name.startswith("tests.") for name in files)
    assert Path(files["bench"]).is_relative_to(imported["prefix"])
    assert Path(files["bench"]).with_name("analysis.md").is_file()  # the results file's last part


@pytest.mark.timeout(450)
@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_the_benchmarks_entry_points_start_when_installed(
    report: dict[str, Any], module: str
) -> None:
    run = report["entry_points"][module]
    assert run["returncode"] == 0, run["stderr"]
    assert "usage:" in run["stdout"]


@pytest.mark.timeout(450)
def test_the_installed_service_runs_turns_with_the_prompts_the_wheel_carries(
    report: dict[str, Any],
) -> None:
    run = report["turns"]
    assert run["returncode"] == 0, run["stderr"]
    observed = run["observed"]
    assert observed["statuses"] == [200, 200, 200], observed
    greeting, reply = observed["replies"]
    assert "Ana" in greeting and reply.strip(), observed["replies"]
    where = Path(observed["prompts_dir"])
    assert where.is_relative_to(report["imported"]["prefix"]), "prompts read from outside the wheel"
    assert where.parts[-2:] == ("graph", "prompt_files")
    shipped = {p.name: p.read_bytes() for p in where.glob("*.md")}
    source = {p.name: p.read_bytes() for p in (REPO / "prompts").glob("*.md")}
    assert shipped == source, "the wheel's prompt files differ from prompts/"
