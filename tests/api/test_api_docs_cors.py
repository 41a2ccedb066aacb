"""/docs without the internet, and CORS for browser apps on allowed origins only (issue 13,
items 12 and 13)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from api.config import Settings
from tests.support.server import Api, ThreadedServer

ORIGIN = "https://recruiting.example"


def test_docs_page_loads_every_asset_from_this_server(api: Api) -> None:
    page = api.http.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    urls += re.findall(r"""url:\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    for url in urls:
        assert url.startswith("/"), f"/docs loads {url} from elsewhere"
        asset = api.http.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
    kinds = {api.http.get(u).headers["content-type"].split(";")[0] for u in urls}
    assert {"text/javascript", "text/css", "application/json"} <= kinds, kinds


def test_no_cross_origin_access_by_default(api: Api) -> None:
    response = api.http.get("/model-info", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers
    preflight = api.http.options(
        "/create-session",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.fixture
def cors_server(make_server: Callable[..., ThreadedServer]) -> ThreadedServer:
    return make_server(cors_origins=[ORIGIN], admin_token="admin-token")


def test_an_allowed_origin_may_preflight_and_read_answers_errors_included(
    cors_server: ThreadedServer,
) -> None:
    with httpx.Client(base_url=cors_server.base_url, timeout=10) as client:
        preflight = client.options(
            "/chat/00000000-0000-0000-0000-000000000000",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed

        denied = client.post("/create-session", json={}, headers={"Origin": ORIGIN})
        assert denied.status_code == 401
        assert denied.headers["access-control-allow-origin"] == ORIGIN
        exposed = denied.headers["access-control-expose-headers"].lower()
        assert "retry-after" in exposed and "x-error-code" in exposed

        created = client.post(
            "/create-session",
            json={},
            headers={"Origin": ORIGIN, "Authorization": "Bearer admin-token"},
        )
        assert created.status_code == 200
        assert created.headers["access-control-allow-origin"] == ORIGIN


def test_another_origin_is_not_allowed(cors_server: ThreadedServer) -> None:
    with httpx.Client(base_url=cors_server.base_url, timeout=10) as client:
        preflight = client.options(
            "/create-session",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers


def test_cors_origins_read_from_the_environment_comma_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERVIEWER_CORS_ORIGINS", "https://a.example, https://b.example/")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]  # type: ignore[call-arg]
    monkeypatch.setenv("INTERVIEWER_CORS_ORIGINS", '["https://c.example"]')
    assert Settings(_env_file=None).cors_origins == ["https://c.example"]  # type: ignore[call-arg]
    monkeypatch.delenv("INTERVIEWER_CORS_ORIGINS")
    assert Settings(_env_file=None).cors_origins == []  # type: ignore[call-arg]
