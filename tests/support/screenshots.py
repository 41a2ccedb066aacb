"""Where the browser tests put their screenshots.

The pictures in docs/WEB.md (`docs/screenshots/*.png`) come from the browser tests, from a real
offline interview. A test run writes them there only when asked, with
`INTERVIEWER_WRITE_SCREENSHOTS=1`; otherwise into a temporary folder, so that running the suite
leaves the working tree as it was (the screenshots are still taken: a page that cannot be
captured fails the test either way).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

DOCS_FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WRITE_VARIABLE = "INTERVIEWER_WRITE_SCREENSHOTS"


class Screenshot(Protocol):
    """`screenshot(target, name)`: a page's viewport, or one element (a Locator) whole."""

    def __call__(self, target: Any, name: str) -> Path: ...


def folder(temporary: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """docs/screenshots when the run asks for it (`INTERVIEWER_WRITE_SCREENSHOTS=1`), else
    `temporary`."""
    return DOCS_FOLDER if environ.get(WRITE_VARIABLE) == "1" else temporary


def take(into: Path, target: Any, name: str) -> Path:
    """Capture `target` (a Playwright Page or Locator) as `into/<name>.png`."""
    into.mkdir(parents=True, exist_ok=True)
    path = into / f"{name}.png"
    target.screenshot(path=str(path))
    return path
