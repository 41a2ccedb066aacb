"""Build the project's wheel, install it into a fresh virtual environment and import what it
ships from there, far from the source tree (``python -m tests.support.wheel_install --work DIR``).

The build inputs (``BUILD_INPUTS``: ``pyproject.toml``, ``setup.py``, ``MANIFEST.in``,
``README.md``, ``prompts/``) and the packages that ``[tool.setuptools.packages.find]`` includes
are copied; an sdist is made from the copy and the wheel from the sdist, as ``python -m build``
does, so a file the sdist forgets is missing from the wheel too. The wheel is installed with its
dependencies by pip as configured on the machine (the registry, or a local mirror). Then, in the
new environment, from an empty directory and with no ``PYTHONPATH``:

* every module of every shipped package is imported (``__main__`` modules aside), and each
  loaded module's file is recorded;
* the benchmark's entry points answer ``--help``: ``python -m bench`` (whose imports are the
  smoke's), ``bench.evaluation``, ``bench.judge_cost``, ``bench.baseline_server``, and the
  Groq-protocol stub the bench starts by module name, ``devkit.groq_server``;
* the installed service runs the first turns of an interview (``RUN_TURNS``: the API on a
  loopback port, offline model), which needs the prompt files the wheel carries.

Everything observed goes to ``DIR/report.json`` for ``tests/unit/test_installed_bench.py``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

ENTRY_POINTS = (
    "bench",
    "bench.evaluation",
    "bench.judge_cost",
    "bench.baseline_server",
    "devkit.groq_server",
)
"""Modules run with ``python -m NAME --help`` in the installed environment."""

BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "prompts")
"""What the build reads besides the packages (those that exist are copied)."""

SDIST = """
import sys
from setuptools import build_meta
print(build_meta.build_sdist(sys.argv[1]))
"""

RUN_TURNS = """
import json, sys, tempfile
from pathlib import Path
import httpx
from devkit.threaded_server import ThreadedServer, offline_settings
from graph import prompts

out = {"prompts_dir": str(prompts.PROMPTS_DIR), "replies": [], "statuses": []}
with tempfile.TemporaryDirectory() as root, ThreadedServer(offline_settings(Path(root))) as server:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        created = client.post("/create-session", json={
            "candidate_name": "Ana", "job_position": "Backend Engineer", "skills": ["python"],
            "technical_questions": 1, "behavioral_questions": 0,
        })
        sid = created.json()["session_id"]
        turns = [
            client.post(f"/start-interview/{sid}"),
            client.post(f"/chat/{sid}", json={
                "session_id": sid, "message": "I enjoy building reliable backend services.",
            }),
        ]
        out["statuses"] = [created.status_code] + [t.status_code for t in turns]
        out["replies"] = [t.text for t in turns]
with open(sys.argv[1], "w", encoding="utf-8") as sink:
    json.dump(out, sink)
"""

IMPORT_ALL = """
import importlib, json, pkgutil, sys
shipped = json.loads(sys.argv[1])
failed = {}
for top in shipped:
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed[info.name] = f"{type(exc).__name__}: {exc}"
files = {
    name: getattr(module, "__file__", None)
    for name, module in sorted(sys.modules.items())
    if getattr(module, "__file__", None)
}
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump({"failed": failed, "files": files, "prefix": sys.prefix}, out)
"""


def shipped_packages(source: Path) -> list[str]:
    """The top-level packages the wheel ships, from pyproject's ``include`` patterns."""
    config = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    patterns: list[str] = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(
        path.name
        for path in source.iterdir()
        if (path / "__init__.py").is_file()
        and any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)
    )


def _copy_sources(source: Path, packages: Sequence[str], into: Path) -> None:
    into.mkdir(parents=True)
    for name in BUILD_INPUTS:
        if (source / name).is_dir():
            shutil.copytree(source / name, into / name)
        elif (source / name).is_file():
            shutil.copy2(source / name, into / name)
    for package in packages:
        shutil.copytree(
            source / package,
            into / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "profiles", "*.sqlite*"),
        )


def _run(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    return {
        "args": list(args),
        "returncode": done.returncode,
        "stdout": done.stdout[-4000:],
        "stderr": done.stderr[-4000:],
    }


def _isolated_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONNOUSERSITE"] = "1"
    env.pop("INTERVIEWER_PROMPTS_DIR", None)  # the installed package must find its own
    return env


def _build_wheel(source: Path, dist: Path) -> dict[str, Any]:
    """The sdist of `source`, then the wheel built from that sdist into `dist`."""
    try:
        import setuptools  # noqa: F401  (present: build in this environment, offline)

        isolation: list[str] = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    sdists = source.parent / "sdist"
    made = _run([sys.executable, "-c", SDIST, str(sdists)], cwd=source)
    if made["returncode"] != 0:
        return made
    sdist = sdists / made["stdout"].strip().splitlines()[-1]
    wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", str(dist)]
    return _run([*wheel, str(sdist)], cwd=source)


def check(source: Path, work: Path) -> dict[str, Any]:
    """Build, install and import; what happened at each step (stops at the first failure)."""
    packages = shipped_packages(source)
    report: dict[str, Any] = {"source": str(source), "packages": packages, "steps": {}}
    steps: dict[str, Any] = report["steps"]
    copy = work / "src"
    _copy_sources(source, packages, copy)
    steps["wheel"] = _build_wheel(copy, work / "dist")
    wheels = sorted((work / "dist").glob("*.whl"))
    if steps["wheel"]["returncode"] != 0 or not wheels:
        return report
    report["wheel"] = wheels[0].name
    venv = work / "venv"
    steps["venv"] = _run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    if steps["venv"]["returncode"] != 0:
        return report
    python = str(venv / "bin" / "python")
    env = _isolated_env()
    steps["install"] = _run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheels[0])],
        cwd=work,
        env=env,
    )
    if steps["install"]["returncode"] != 0:
        return report
    elsewhere = work / "elsewhere"  # an empty directory: nothing to import from the cwd
    elsewhere.mkdir()
    modules = work / "modules.json"
    steps["import"] = _run(
        [python, "-c", IMPORT_ALL, json.dumps(packages), str(modules)], elsewhere, env
    )
    if steps["import"]["returncode"] == 0:
        report["imported"] = json.loads(modules.read_text(encoding="utf-8"))
    report["entry_points"] = {
        name: _run([python, "-m", name, "--help"], elsewhere, env) for name in ENTRY_POINTS
    }
    turns = work / "turns.json"
    report["turns"] = _run([python, "-c", RUN_TURNS, str(turns)], elsewhere, env)
    if report["turns"]["returncode"] == 0:
        report["turns"]["observed"] = json.loads(turns.read_text(encoding="utf-8"))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.wheel_install")
    parser.add_argument("--work", type=Path, required=True, help="a new work directory")
    parser.add_argument("--source", type=Path, default=REPO, help="the source tree (this one)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    report = check(args.source.resolve(), args.work.resolve())
    (args.work / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "imported"}, indent=2)[-6000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
