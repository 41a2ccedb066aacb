"""Access control with INTERVIEWER_ADMIN_TOKEN set: roles, scopes and the 401/403/404 rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.server import ThreadedServer

ADMIN = "admin-secret-token"


@pytest.fixture
def secured(make_server: Callable[..., ThreadedServer]) -> Iterator[httpx.Client]:
    server = make_server(admin_token=ADMIN)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _create(client: httpx.Client, **settings: Any) -> tuple[str, str]:
    response = client.post("/create-session", json=settings, headers=_bearer(ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Session created successfully"
    return body["session_id"], body["candidate_token"]


def _chat(client: httpx.Client, sid: str, token: str, message: str, kind: str = "user") -> Any:
    return client.post(
        f"/chat/{sid}",
        json={"session_id": sid, "message": message, "type": kind},
        headers=_bearer(token),
    )


def test_create_session_needs_the_admin_token_and_returns_a_candidate_token(
    secured: httpx.Client,
) -> None:
    missing = secured.post("/create-session", json={})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = secured.post("/create-session", json={}, headers=_bearer("nope"))
    assert wrong.status_code == 401
    _, token = _create(secured)
    assert len(token) >= 32 and token != ADMIN
    _, other_token = _create(secured)
    assert other_token != token


def test_candidate_token_can_start_chat_and_read_its_status(secured: httpx.Client) -> None:
    sid, token = _create(
        secured, technical_questions=1, behavioral_questions=0, candidate_name="Ana"
    )
    assert secured.post(f"/start-interview/{sid}", headers=_bearer(token)).status_code == 200
    assert _chat(secured, sid, token, "I like APIs").status_code == 200
    status = secured.get(f"/interview-status/{sid}", headers=_bearer(token))
    assert status.status_code == 200 and status.json()["questions_asked"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sessions"),
        ("DELETE", "/session/{sid}"),
        ("POST", "/save-session/{sid}"),
        ("POST", "/reset/{sid}"),
        ("POST", "/end-interview/{sid}"),
        ("GET", "/security-info/{sid}"),
        ("GET", "/conversation-history/{sid}?labels=true"),
        ("POST", "/create-session"),
    ],
)
def test_candidate_token_is_forbidden_on_admin_endpoints(
    secured: httpx.Client, method: str, path: str
) -> None:
    sid, token = _create(secured)
    response = secured.request(method, path.format(sid=sid), headers=_bearer(token))
    assert response.status_code == 403
    admin = secured.request(method, path.format(sid=sid), headers=_bearer(ADMIN))
    assert admin.status_code != 403


def test_candidate_may_not_send_system_commands(secured: httpx.Client) -> None:
    sid, token = _create(secured)
    secured.post(f"/start-interview/{sid}", headers=_bearer(token))
    assert _chat(secured, sid, token, "end_interview", kind="system").status_code == 403
    status = secured.get(f"/interview-status/{sid}", headers=_bearer(ADMIN)).json()
    assert status["active"] is True
    assert _chat(secured, sid, ADMIN, "get_stats", kind="system").status_code == 200


def test_candidate_token_on_another_session_looks_like_an_unknown_session(
    secured: httpx.Client,
) -> None:
    sid, _ = _create(secured)
    _, token = _create(secured)
    for response in (
        secured.get(f"/interview-status/{sid}", headers=_bearer(token)),
        secured.post(f"/start-interview/{sid}", headers=_bearer(token)),
        _chat(secured, sid, token, "hi"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Session not found"}


def test_tokens_are_accepted_only_as_bearer_headers(secured: httpx.Client) -> None:
    sid, token = _create(secured)
    in_query = secured.get(f"/interview-status/{sid}", params={"token": token})
    assert in_query.status_code == 401
    basic = secured.get(f"/interview-status/{sid}", headers={"Authorization": f"Basic {token}"})
    assert basic.status_code == 401
    assert basic.headers["www-authenticate"] == "Bearer"


def test_only_token_digests_are_stored(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token=ADMIN)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        _, token = _create(client)
    raw = server.settings.db_path.read_bytes()
    wal = server.settings.db_path.with_name(server.settings.db_path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert token.encode() not in raw
    assert ADMIN.encode() not in raw


def test_open_mode_needs_no_token_and_returns_no_candidate_token(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server()
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        body = client.post("/create-session").json()
        assert "candidate_token" not in body
        assert client.get("/sessions").status_code == 200
