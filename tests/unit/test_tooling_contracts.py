"""The import contracts of ``pyproject.toml`` (``[tool.importlinter]``) hold: the service never
imports its tooling, the shipped tooling (``bench/``, ``devkit/``) never imports ``tests/``, and
``bench/`` is layered with no cycle, function-local imports included (``make lint`` runs the same
``lint-imports``)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLING_CONTRACTS = {
    "service-without-tooling",
    "tooling-without-tests",
    "devkit-below-bench",
    "tooling-acyclic",
    "bench-layers",
}


def test_the_tooling_contracts_are_declared() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {c.get("id") for c in config["tool"]["importlinter"]["contracts"]}
    assert declared >= TOOLING_CONTRACTS


def test_every_import_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
