"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser).

Without playwright or chromium these tests skip with the reason; with
INTERVIEWER_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails them instead, so CI can
never pass by skipping. One browser for this directory (a launch is ~1-2 s; it is closed before
the next directory's tests), a fresh context (cookies, storage) per test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support import screenshots
from tests.support.server import Api, ThreadedServer, offline_settings

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 860}
# The admin console refreshes every 2 s; a live change may take two rounds to show.
expect.set_options(timeout=10_000)
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    configured = os.environ.get("INTERVIEWER_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if os.environ.get("INTERVIEWER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here (INTERVIEWER_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    if executable is None:
        _unavailable("no chromium executable (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    """One offline server per module; every test makes its own sessions."""
    root = tmp_path_factory.mktemp("browser")
    with ThreadedServer(offline_settings(root, offline_token_delay=0.002)) as running:
        yield running


@pytest.fixture
def api(server: ThreadedServer) -> Iterator[Api]:
    with Api(server.base_url) as client:
        yield client


@pytest.fixture(scope="session")
def screenshot_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots with INTERVIEWER_WRITE_SCREENSHOTS=1 (docs/WEB.md shows them), else a
    temporary folder: a test run leaves the tree clean."""
    return screenshots.folder(tmp_path_factory.mktemp("screenshots"))


@pytest.fixture
def screenshot(screenshot_folder: Path) -> screenshots.Screenshot:
    """`screenshot(page_or_locator, name)`: write `<name>.png` into the screenshot folder."""
    return partial(screenshots.take, screenshot_folder)
