"""The browser tests write docs/screenshots/*.png only when asked: a test run leaves the tree
clean (tests/support/screenshots.py)."""

from __future__ import annotations

from pathlib import Path

from tests.support import screenshots


class _Target:
    """Stands in for a Playwright Page or Locator: writes what `screenshot(path=...)` asks."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def screenshot(self, path: str) -> bytes:
        Path(path).write_bytes(b"\x89PNG")
        self.paths.append(Path(path))
        return b"\x89PNG"


def _docs_state() -> dict[str, int]:
    folder = screenshots.DOCS_FOLDER
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png")} if folder.is_dir() else {}


def test_screenshots_go_to_a_temporary_folder_unless_the_run_asks_for_them(
    tmp_path: Path,
) -> None:
    before = _docs_state()
    into = screenshots.folder(tmp_path, environ={})
    target = _Target()
    written = screenshots.take(into, target, "candidate-desktop")
    assert written == tmp_path / "candidate-desktop.png" and written.is_file()
    assert _docs_state() == before, "a test run rewrote docs/screenshots"


def test_only_the_documented_variable_set_to_1_writes_into_docs(tmp_path: Path) -> None:
    assert screenshots.folder(tmp_path, {"INTERVIEWER_WRITE_SCREENSHOTS": "1"}) == (
        screenshots.DOCS_FOLDER
    )
    assert screenshots.DOCS_FOLDER.parts[-2:] == ("docs", "screenshots")
    for value in ("", "0", "yes", "true"):
        assert screenshots.folder(tmp_path, {"INTERVIEWER_WRITE_SCREENSHOTS": value}) == tmp_path
