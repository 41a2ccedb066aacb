"""Fresh-clone ergonomics (issue 13, item 14): `make run` and `make test` started together
install once, under a lock; `make studio` takes a port; Hypothesis' cache is not committed.
Issue 22: `make run` installs the runtime dependencies only, `make test` adds the development
ones."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Stands in for python3: "-m venv .venv" makes a .venv whose python records each pip run and
# notices when two run at once (mkdir is atomic).
FAKE_PYTHON = """#!/bin/sh
mkdir -p .venv/bin
cat > .venv/bin/python <<'EOS'
#!/bin/sh
echo "start $*" >> install.log
mkdir running.d 2>/dev/null || echo OVERLAP >> install.log
sleep 0.5
rmdir running.d 2>/dev/null
EOS
chmod +x .venv/bin/python
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _clone(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / "fake-python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return fake


def _make(tmp_path: Path, fake: Path, *targets: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["make", "-s", *targets, f"PYTHON={fake}"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _pip_installs(tmp_path: Path) -> list[str]:
    """What each `pip install -e` of the log installed, in order."""
    log = (tmp_path / "install.log").read_text()
    return re.findall(r"pip install --quiet -e (\S+)", log)


def test_two_makes_started_together_install_once_and_both_succeed(tmp_path: Path) -> None:
    fake = _clone(tmp_path)
    makes = [_make(tmp_path, fake, "install") for _ in range(2)]
    outputs = [make.communicate(timeout=60)[0].decode() for make in makes]
    assert [make.returncode for make in makes] == [0, 0], outputs
    log = (tmp_path / "install.log").read_text()
    assert "OVERLAP" not in log, log
    assert log.count("start") == 2, log  # pip upgrade + install, by one of the two only
    assert (tmp_path / ".venv" / ".installed-dev").exists()


def test_make_run_installs_the_runtime_dependencies_only(tmp_path: Path) -> None:
    fake = _clone(tmp_path)
    make = _make(tmp_path, fake, "run")
    assert make.wait(timeout=60) == 0
    assert _pip_installs(tmp_path) == ["."]  # the project, not its `dev` extra
    assert "start -m api" in (tmp_path / "install.log").read_text()


def test_make_test_after_make_run_adds_the_development_dependencies(tmp_path: Path) -> None:
    fake = _clone(tmp_path)
    assert _make(tmp_path, fake, "install-runtime").wait(timeout=60) == 0
    assert _make(tmp_path, fake, "install").wait(timeout=60) == 0
    assert _pip_installs(tmp_path) == [".", ".[dev]"]
    # ...and a development install leaves nothing for `make run` to install.
    assert _make(tmp_path, fake, "install-runtime").wait(timeout=60) == 0
    assert _pip_installs(tmp_path) == [".", ".[dev]"]


def test_make_run_and_make_test_started_together_never_install_at_once(tmp_path: Path) -> None:
    fake = _clone(tmp_path)
    makes = [_make(tmp_path, fake, "install-runtime"), _make(tmp_path, fake, "install")]
    outputs = [make.communicate(timeout=60)[0].decode() for make in makes]
    assert [make.returncode for make in makes] == [0, 0], outputs
    assert "OVERLAP" not in (tmp_path / "install.log").read_text()
    # Whichever took the lock first: the development install ran once, the runtime one at
    # most once (not at all when the development install came first).
    assert _pip_installs(tmp_path) in ([".", ".[dev]"], [".[dev]"])


def _names(specs: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0].lower() for spec in specs}


def test_runtime_dependencies_name_no_development_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev_tools = {"pytest", "pytest-asyncio", "pytest-timeout", "mypy", "ruff", "playwright"}
    dev_tools |= {"schemathesis", "hypothesis", "langgraph-cli"}
    assert not _names(project["dependencies"]) & dev_tools
    assert {"pytest", "mypy", "playwright"} <= _names(project["optional-dependencies"]["dev"])


def test_make_studio_takes_a_port() -> None:
    dry = subprocess.run(
        ["make", "-n", "studio", "STUDIO_PORT=9123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--port 9123" in dry.stdout


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_hypothesis_cache_is_ignored_and_not_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".hypothesis/constants/x"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0
    tracked = subprocess.run(
        ["git", "ls-files", ".hypothesis"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert tracked.stdout == ""
