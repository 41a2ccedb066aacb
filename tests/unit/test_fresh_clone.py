"""Fresh-clone ergonomics (issue 13, item 14): `make run` and `make test` started together
install once, under a lock; `make studio` takes a port; Hypothesis' cache is not committed."""

from __future__ import annotations

import shutil
import subprocess
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


def test_two_makes_started_together_install_once_and_both_succeed(tmp_path: Path) -> None:
    fake = _clone(tmp_path)
    makes = [
        subprocess.Popen(
            ["make", "-s", "install", f"PYTHON={fake}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [make.communicate(timeout=60)[0].decode() for make in makes]
    assert [make.returncode for make in makes] == [0, 0], outputs
    log = (tmp_path / "install.log").read_text()
    assert "OVERLAP" not in log, log
    assert log.count("start") == 2, log  # pip upgrade + install, by one of the two only
    assert (tmp_path / ".venv" / ".installed").exists()


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
