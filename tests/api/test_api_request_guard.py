"""Bodies no client should send: never a 5xx, a 422 naming the field, a cap read by read, and
authentication before the body (issue 13, items 1 and 2)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.server import Api, ThreadedServer

ADMIN = "admin-secret-token"


def _raw(server: ThreadedServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)


def _post(
    conn: http.client.HTTPConnection, path: str, body: bytes, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"} | headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


@pytest.fixture
def server(shared_server: ThreadedServer) -> ThreadedServer:
    return shared_server


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"temperature": NaN}', "temperature"),
        (b'{"temperature": Infinity}', "temperature"),
        (b'{"top_p": -Infinity}', "top_p"),
        (b'{"temperature": 1e999}', "temperature"),
        (b'{"candidate_name": "\\ud800"}', "candidate_name"),
        (b'{"skills": ["python", "\\udfff"]}', "skills"),
        (b'{"job_description": "ok \\udc00 then more"}', "job_description"),
    ],
)
def test_json_python_accepts_but_no_field_may_hold_is_422_naming_it_and_keeps_the_connection(
    server: ThreadedServer, raw: bytes, field: str
) -> None:
    conn = _raw(server)
    status, headers, body = _post(conn, "/create-session", raw)
    assert status == 422, body
    detail = json.loads(body)["detail"]
    assert any(field in error["loc"] for error in detail), detail
    assert headers.get("connection", "").lower() != "close"
    first_socket = conn.sock
    # The same keep-alive connection serves the next, unrelated request.
    status, _, _ = _post(conn, "/create-session", b"{}")
    assert status == 200
    assert conn.sock is first_socket
    conn.close()


def test_a_chat_message_with_a_lone_surrogate_is_422_and_loses_nothing(
    api: Api, server: ThreadedServer
) -> None:
    session_id = api.create(candidate_name="Ana")
    api.start_text(session_id)
    before = api.history(session_id)
    raw = b'{"session_id": "%s", "message": "hello \\udfff"}' % session_id.encode()
    conn = _raw(server)
    status, _, body = _post(conn, f"/chat/{session_id}", raw)
    assert status == 422
    assert any("message" in e["loc"] for e in json.loads(body)["detail"])
    conn.close()
    assert api.history(session_id) == before
    assert api.chat_text(session_id, "hello").status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe{}",
        b'{"candidate_name": "\xc3\x28"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"skills": ' + b"[" * 40 + b"]" * 40 + b"}",
    ],
    ids=["bom-garbage", "bad-utf8-in-string", "nested-5000", "nested-40"],
)
def test_invalid_utf8_and_deep_nesting_are_422(server: ThreadedServer, raw: bytes) -> None:
    conn = _raw(server)
    status, _, body = _post(conn, "/create-session", raw)
    assert status == 422, body
    assert json.loads(body)["detail"][0]["loc"][0] == "body"
    conn.close()


def test_a_rejected_value_is_echoed_as_a_short_excerpt_only(api: Api) -> None:
    session_id = api.create()
    response = api.http.post(
        f"/chat/{session_id}", json={"session_id": session_id, "message": "x" * 9000}
    )
    assert response.status_code == 422
    assert len(response.content) < 1000
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "message"]
    assert error["input"].startswith("xxxx") and len(error["input"]) <= 41


def test_bool_is_not_a_count_or_a_temperature(api: Api) -> None:
    for body in ({"behavioral_questions": False}, {"technical_questions": True}):
        assert api.http.post("/create-session", json=body).status_code == 422
    assert api.http.post("/create-session", json={"temperature": True}).status_code == 422
    assert api.http.post("/create-session", json={"temperature": 1}).status_code == 200


# --- item 2: the body cap ------------------------------------------------------------------


def _headers_only(port: int, path: str, length: int, extra: str = "") -> bytes:
    """Send a request's headers announcing `length` bytes, none of the body; the response."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {length}\r\n{extra}\r\n"
            ).encode()
        )
        received = b""
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in received and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_an_announced_body_over_the_cap_is_413_before_it_is_sent(server: ThreadedServer) -> None:
    head = _headers_only(server.port, "/create-session", 100 * 1024 * 1024)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"connection: close" in head.lower()


def test_a_chunked_body_over_the_cap_is_413_while_it_is_read(server: ThreadedServer) -> None:
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"job_description": "'
        for _ in range(2000):  # 128 MB if the server read it all
            sent += 65536
            yield b"a" * 65536
        yield b'"}'

    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        try:
            response = client.post(
                "/create-session", content=body(), headers={"content-type": "application/json"}
            )
            assert response.status_code == 413
        except httpx.TransportError:
            pass  # the server answered 413 and closed while we were still sending
    assert sent < 20 * 1024 * 1024


def test_the_largest_valid_bodies_fit_under_the_default_caps(api: Api) -> None:
    wide = "\U0001f600"  # one character, twelve bytes once \u-escaped
    settings = {
        "candidate_name": wide * 100,
        "job_position": wide * 200,
        "job_description": wide * 8000,
        "skills": [wide * 60] * 30,
        "custom_questions": [wide * 500] * 20,
    }
    raw = json.dumps(settings, ensure_ascii=True).encode()
    response = api.http.post(
        "/create-session", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    session_id = response.json()["session_id"]
    message = json.dumps(
        {"session_id": session_id, "message": wide * 8000, "type": "system"}, ensure_ascii=True
    ).encode()
    api.start_text(session_id)
    reply = api.stream_text(
        f"/chat/{session_id}", content=message, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 200


def test_body_caps_are_configurable_per_route(make_server: Callable[..., ThreadedServer]) -> None:
    server = make_server(max_body_bytes_chat=2048)
    with Api(server.base_url) as api:
        session_id = api.create(job_description="d" * 4000)  # create-session keeps its own cap
        api.start_text(session_id)
        too_big = api.http.post(
            f"/chat/{session_id}", json={"session_id": session_id, "message": "m" * 3000}
        )
        assert too_big.status_code == 413
        assert "2048" in too_big.json()["detail"]
        assert api.chat_text(session_id, "m" * 1500).status_code == 200


# --- item 2: authentication before the body ------------------------------------------------


@pytest.fixture
def secured(make_server: Callable[..., ThreadedServer]) -> ThreadedServer:
    return make_server(admin_token=ADMIN)


def test_without_credentials_a_body_is_never_read_401_comes_first(secured: ThreadedServer) -> None:
    head = _headers_only(secured.port, "/create-session", 100 * 1024)
    assert head.startswith(b"HTTP/1.1 401"), head
    assert b"www-authenticate: bearer" in head.lower()


def test_with_a_bad_token_a_body_is_never_read(secured: ThreadedServer) -> None:
    head = _headers_only(
        secured.port, "/create-session", 100 * 1024, "Authorization: Bearer wrong\r\n"
    )
    assert head.startswith(b"HTTP/1.1 401"), head


def test_with_the_admin_token_bodies_are_read_and_candidates_still_chat(
    secured: ThreadedServer,
) -> None:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=secured.base_url, timeout=30) as client:
        created = client.post("/create-session", json={"candidate_name": "Ana"}, headers=admin)
        assert created.status_code == 200
        body: dict[str, Any] = created.json()
        candidate = {"Authorization": f"Bearer {body['candidate_token']}"}
        session_id = body["session_id"]
        assert client.post(f"/start-interview/{session_id}", headers=candidate).status_code == 200
        chat = {"session_id": session_id, "message": "Hello"}
        assert client.post(f"/chat/{session_id}", json=chat, headers=candidate).status_code == 200
        assert client.post(f"/chat/{session_id}", json=chat).status_code == 401
