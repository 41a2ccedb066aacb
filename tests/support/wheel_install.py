"""Build the project's wheel, install it into a fresh virtual environment and import what it
ships from there, far from the source tree (``python -m tests.support.wheel_install --work DIR``).

The wheel is built from a copy of ``pyproject.toml``, ``README.md`` and the packages that
``[tool.setuptools.packages.find]`` includes, and installed with its dependencies by pip as
configured on the machine (the registry, or a local mirror). Then, in the new environment, from
an empty directory and with no ``PYTHONPATH``:

* every module of every shipped package is imported (``__main__`` modules aside), and each
  loaded module's file is recorded;
* the benchmark's entry points answer ``--help``: ``python -m bench`` (whose imports are the
  smoke's), ``bench.evaluation``, ``bench.judge_cost``, ``bench.baseline_server``, and the
  Groq-protocol stub the bench starts by module name, ``devkit.groq_server``.

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
    for name in ("pyproject.toml", "README.md"):
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
    return env


def _build_wheel(source: Path, dist: Path) -> dict[str, Any]:
    try:
        import setuptools  # noqa: F401  (present: build in this environment, offline)

        isolation: list[str] = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    return _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", str(dist), "."],
        cwd=source,
    )


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
