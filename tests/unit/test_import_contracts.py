"""The import contracts of pyproject.toml (`lint-imports`, run by `make lint` and `make test`):
the LLM SDKs and HTTP clients stay inside the adapters, and the interview talks to the port.

Each contract is shown to hold on the tree and to break when a forbidden import is added, on a
copy of the packages (the working tree is never edited).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SDK_CONTRACT = "LLM SDKs and HTTP clients are imported by the LLM adapters only"
PORT_CONTRACT = "The interview and the API talk to the LLM port, not to an adapter"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and their contracts, to break on purpose."""
    for package in ("graph", "api", "bench", "devkit"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_line(path: Path, after: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert after in text, f"{after!r} not in {path}"
    path.write_text(text.replace(after, f"{after}\n{line}", 1), encoding="utf-8")


def test_the_tree_keeps_every_import_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{SDK_CONTRACT} KEPT" in result.stdout
    assert f"{PORT_CONTRACT} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "sdk"),
    [
        ("graph/follow_up.py", "groq"),
        ("graph/evaluation/judge.py", "openai"),
        ("graph/llm/registry.py", "httpx"),
        ("api/routes.py", "httptools"),
        ("graph/nodes.py", "langchain_groq"),
    ],
)
def test_an_sdk_imported_outside_the_adapters_breaks_the_contract(
    tree: Path, module: str, sdk: str
) -> None:
    _add_line(tree / module, "from __future__ import annotations", f"import {sdk}  # noqa")
    result = _lint_imports(tree)
    assert result.returncode != 0
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {sdk}" in result.stdout, result.stdout
    assert f"{PORT_CONTRACT} KEPT" in result.stdout


def test_a_function_local_import_is_seen_too(tree: Path) -> None:
    # classify_error used to import groq inside the function: that is an import all the same.
    _add_line(
        tree / "api/streaming.py",
        "def wants_sse(request: Request) -> bool:",
        "    import groq  # noqa",
    )
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "api.streaming -> groq" in result.stdout


def test_the_domain_importing_an_adapter_breaks_the_port_contract(tree: Path) -> None:
    _add_line(
        tree / "graph/follow_up.py",
        "from __future__ import annotations",
        "from graph.llm.offline.composers import load_question_bank  # noqa",
    )
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "graph.follow_up -> graph.llm.offline.composers" in result.stdout
    assert f"{SDK_CONTRACT} KEPT" in result.stdout
