"""Issue 22, "Landing": `GET /` links the console, the docs and health; the start-up log says
where the app is, once per server whatever the number of workers; the container's health probe
(`python -m api.healthcheck`) finds the server from the same settings."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from api.healthcheck import probe_url
from api.landing import local_url
from tests.support.server import Api, SubprocessServer, ThreadedServer, free_port, wait_until

WANTED = {"console": "/app/admin", "docs": "/docs", "health": "/healthz"}


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def test_root_answers_json_links_to_the_console_docs_and_health_that_all_work(api: Api) -> None:
    response = api.http.get("/")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    links = response.json()["links"]
    assert {name: links.get(name) for name in WANTED} == WANTED
    for path in links.values():
        assert api.http.get(path).status_code == 200, path


def test_root_answers_a_browser_with_a_page_linking_them_and_no_script(api: Api) -> None:
    response = api.http.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script" not in response.text
    anchors = _Anchors()
    anchors.feed(response.text)
    assert set(WANTED.values()) <= set(anchors.hrefs)


def test_root_is_public_when_access_control_is_on(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token="admin-secret-token")
    with Api(server.base_url) as client:
        response = client.http.get("/")
        assert response.status_code == 200
        assert "sessions" not in response.text  # paths only, nothing about sessions


def test_startup_log_prints_the_urls_once_with_two_workers(
    make_process: Callable[..., SubprocessServer],
) -> None:
    server = make_process(INTERVIEWER_WORKERS="2", INTERVIEWER_HOST="127.0.0.1")
    port = server.base_url.rsplit(":", 1)[1]
    # Both workers are up once both have logged their own start-up lines.
    wait_until(
        lambda: server.log().count("Application startup complete.") >= 2,
        timeout=30,
        what="both workers to start",
    )
    log = server.log()
    assert log.count("Application startup complete.") == 2, log
    lines = [line for line in log.splitlines() if "Serving on" in line]
    assert len(lines) == 1, log
    for path in WANTED.values():
        assert f"http://127.0.0.1:{port}{path}" in lines[0], lines[0]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0.0.0.0", "http://127.0.0.1:8000/healthz"),
        ("", "http://127.0.0.1:8000/healthz"),
        ("::", "http://[::1]:8000/healthz"),
        ("10.1.2.3", "http://10.1.2.3:8000/healthz"),
    ],
)
def test_a_server_bound_to_every_address_is_reached_on_loopback(host: str, expected: str) -> None:
    assert local_url(host, 8000, "/healthz") == expected


def _probe(port: int, *path: str) -> subprocess.CompletedProcess[str]:
    env = {"INTERVIEWER_HOST": "0.0.0.0", "INTERVIEWER_PORT": str(port), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "api.healthcheck", *path],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_health_probe_passes_on_a_live_server_and_fails_on_a_closed_port_or_bad_path(
    shared_server: ThreadedServer,
) -> None:
    assert probe_url(environ={"INTERVIEWER_PORT": "9"}) == "http://127.0.0.1:9/healthz"
    live = _probe(shared_server.port)
    assert live.returncode == 0, live.stderr
    missing = _probe(shared_server.port, "/no-such-path")
    assert missing.returncode == 1 and "HTTP 404" in missing.stderr
    closed = _probe(free_port())
    assert closed.returncode == 1 and re.search(r"unhealthy: .*refused", closed.stderr)
