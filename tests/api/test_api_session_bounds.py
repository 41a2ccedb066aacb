"""Issue 22, break 5: no bound on sessions, and a `GET /sessions` that built every session on
the event loop. Now: a cap on sessions, a rate limit on creation in open mode, and a list the
database pages by a cursor (the seed's plain shape, up to a page)."""

from __future__ import annotations

from collections.abc import Callable

from api.limits import CreateRateLimit, decode_cursor, encode_cursor
from tests.support.server import Api, ThreadedServer


def test_creating_past_the_session_cap_is_503_too_many_sessions_with_retry_after(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(max_sessions=2)
    with Api(server.base_url) as api:
        first = api.create()
        api.create()
        refused = api.http.post("/create-session", json={})
        assert refused.status_code == 503
        assert refused.headers["x-error-code"] == "too_many_sessions"
        assert refused.headers["retry-after"] == "60"
        assert "(2)" in refused.json()["detail"]
        assert len(api.sessions()) == 2
        assert api.http.delete(f"/session/{first}").status_code == 200
        api.create()  # room again


def test_open_mode_creation_is_rate_limited_per_address_with_retry_after(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(create_rate_per_second=0.25, create_burst=3)
    with Api(server.base_url) as api:
        for _ in range(3):
            api.create()
        refused = api.http.post("/create-session", json={})
        assert refused.status_code == 429
        assert refused.headers["x-error-code"] == "create_rate_limited"
        assert refused.headers["retry-after"] == "4"
        assert "a burst of 3" in refused.json()["detail"]
        assert len(api.sessions()) == 3


def test_the_admin_is_not_rate_limited_by_the_open_mode_limit(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token="admin-secret", create_rate_per_second=0.1, create_burst=1)
    with Api(server.base_url) as api:
        api.http.headers["Authorization"] = "Bearer admin-secret"
        for _ in range(3):
            api.create()


def test_the_session_list_is_one_page_in_the_seeds_shape_and_a_cursor_walks_the_rest(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(sessions_page_max=3)
    with Api(server.base_url) as api:
        made = [api.create(candidate_name=f"C{i}", job_position="Engineer") for i in range(7)]
        plain = api.http.get("/sessions")
        assert plain.status_code == 200
        assert list(plain.json()) == made[:3]
        summary = plain.json()[made[0]]
        assert summary["candidate_name"] == "C0" and summary["job_position"] == "Engineer"
        assert summary["stage"] == "created" and summary["interview_active"] is False
        seen, cursor = list(plain.json()), plain.headers["x-next-cursor"]
        while cursor:
            page = api.http.get("/sessions", params={"limit": 2, "cursor": cursor})
            assert page.status_code == 200 and len(page.json()) <= 2
            seen += list(page.json())
            cursor = page.headers.get("x-next-cursor", "")
        assert seen == made
        # A limit above the page's maximum is the maximum.
        assert len(api.http.get("/sessions", params={"limit": 50}).json()) == 3


def test_a_cursor_not_handed_out_is_422_bad_cursor(api: Api) -> None:
    response = api.http.get("/sessions", params={"cursor": "not a cursor!"})
    assert response.status_code == 422
    assert response.headers["x-error-code"] == "bad_cursor"


def test_a_cursor_names_the_last_session_of_its_page() -> None:
    cursor = encode_cursor("2026-01-01T00:00:00.000001", "0f8fad5b-d9cb-469f-a165-70867728950e")
    assert decode_cursor(cursor) == (
        "2026-01-01T00:00:00.000001",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
    )


def test_the_rate_limit_refills_at_its_rate_and_says_how_long_to_wait() -> None:
    now = [0.0]
    limit = CreateRateLimit(rate=2.0, burst=2, clock=lambda: now[0])
    assert [limit.take("a"), limit.take("a")] == [0, 0]
    assert limit.take("a") == 1
    assert limit.take("b") == 0  # another address has its own bucket
    now[0] = 0.5
    assert limit.take("a") == 0
    assert CreateRateLimit(rate=0, burst=1).take("a") == 0  # 0: no limit
