"""One error table (api/errors.py): the codes and statuses of the first release, the LLM port's
kinds, the exception handlers, the OpenAPI document and the generated section of docs/API.md
all come from it."""

from __future__ import annotations

import typing
from dataclasses import replace
from pathlib import Path
from typing import Any

import groq
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import error_docs
from api.config import Settings
from api.errors import (
    DEADLINE_MESSAGE,
    ERRORS,
    LLM_ERRORS,
    ROUTE_ERRORS,
    TABLE,
    LLMErrorKind,
    Refused,
    error_headers,
    http_error,
    install_handlers,
    route_errors,
    turn_error,
)
from api.main import create_app
from api.sessions import LeaseLost, SessionBusy, SessionNotFound
from graph import docsection
from graph.llm import PromptTooLarge

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"

# What the first release (bad08b4) put on the wire for a failed turn: the code, the status
# before the first byte, `retryable` in the SSE event, and the default Retry-After.
WIRE_CODES: dict[str, tuple[int, bool | None, int | None]] = {
    "llm_rejected": (502, False, None),
    "llm_rate_limited": (503, True, 5),
    "llm_unavailable": (503, True, 5),
    "llm_timeout": (503, True, 5),
    "prompt_too_large": (503, False, None),
    "turn_failed": (503, True, None),
    "shutting_down": (503, None, None),
}


def _doc(**settings: Any) -> dict[str, Any]:
    document: dict[str, Any] = create_app(Settings(_env_file=None, **settings)).openapi()  # type: ignore[call-arg]
    return document


# --- the table ----------------------------------------------------------------------------


def test_a_turns_error_codes_statuses_and_retry_after_are_the_first_releases() -> None:
    turn_rows = {row.name for row in TABLE if row.turn}
    assert turn_rows == set(WIRE_CODES)
    for name, (status, retryable, retry_after) in WIRE_CODES.items():
        event = ERRORS[name].event()
        assert (ERRORS[name].status, event.get("retryable"), ERRORS[name].retry_after) == (
            status,
            retryable,
            retry_after,
        ), name


def test_each_llm_error_kind_is_the_row_it_stands_for() -> None:
    assert set(LLM_ERRORS) == set(typing.get_args(LLMErrorKind))
    assert {kind: row.name for kind, row in LLM_ERRORS.items()} == {
        "rate_limited": "llm_rate_limited",
        "unavailable": "llm_unavailable",
        "cut": "llm_unavailable",
        "timed_out": "llm_timeout",
        "rejected": "llm_rejected",
        "prompt_too_large": "prompt_too_large",
    }
    # Anything else a turn raises is turn_failed, which no kind names.
    assert "turn_failed" not in {row.name for row in LLM_ERRORS.values()}


def _response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, headers=headers or {}, request=httpx.Request("POST", "http://llm")
    )


_LIMITED = "The language model is rate limited."
_DOWN = "The language model is unavailable."
_SLOW = "The language model timed out."


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            groq.RateLimitError("slow", response=_response(429, {"retry-after": "37"}), body=None),
            {"code": "llm_rate_limited", "message": _LIMITED, "retryable": True, "retry_after": 37},
        ),
        (
            groq.RateLimitError("slow", response=_response(429), body=None),
            {"code": "llm_rate_limited", "message": _LIMITED, "retryable": True},
        ),
        (
            groq.BadRequestError("bad", response=_response(400), body=None),
            {
                "code": "llm_rejected",
                "message": "The language model rejected the request.",
                "retryable": False,
            },
        ),
        (
            groq.InternalServerError("down", response=_response(500), body=None),
            {"code": "llm_unavailable", "message": _DOWN, "retryable": True},
        ),
        (
            groq.APITimeoutError(request=httpx.Request("POST", "http://llm")),
            {"code": "llm_timeout", "message": _SLOW, "retryable": True},
        ),
        (
            httpx.ReadTimeout("slow"),
            {"code": "llm_timeout", "message": _SLOW, "retryable": True},
        ),
        (
            httpx.ConnectError("refused"),
            {"code": "llm_unavailable", "message": _DOWN, "retryable": True},
        ),
        (
            PromptTooLarge("the request needs about 9000 tokens"),
            {
                "code": "prompt_too_large",
                "message": "Request refused: the request needs about 9000 tokens.",
                "retryable": False,
            },
        ),
        (
            RuntimeError("a bug"),
            {
                "code": "turn_failed",
                "message": "The turn failed; send the same message again.",
                "retryable": True,
            },
        ),
    ],
    ids=lambda value: type(value).__name__,
)
def test_a_turns_error_says_what_the_first_release_said(
    exc: BaseException, expected: dict[str, object]
) -> None:
    # The codes, messages and waits clients have seen since the first release (bad08b4's
    # classify_error), now reached through the port's neutral kinds and the one table.
    event = turn_error(exc)
    assert event["event"] == "error"
    assert {k: v for k, v in event.items() if k != "event"} == expected


def test_the_turn_deadline_is_a_timeout_that_says_so() -> None:
    event = turn_error(TimeoutError(), deadline=True)
    assert event == {
        "event": "error",
        "code": "llm_timeout",
        "message": DEADLINE_MESSAGE,
        "retryable": True,
    }
    assert error_headers(event) == {"X-Error-Code": "llm_timeout", "Retry-After": "5"}


def test_a_turns_error_before_the_first_byte_is_its_rows_status_and_headers() -> None:
    limited = ERRORS["llm_rate_limited"].event(retry_after=37)
    exc = http_error(limited)
    assert (exc.status_code, exc.detail) == (503, "The language model is rate limited.")
    assert exc.headers == {"X-Error-Code": "llm_rate_limited", "Retry-After": "37"}
    rejected = http_error(ERRORS["llm_rejected"].event())
    assert (rejected.status_code, rejected.headers) == (502, {"X-Error-Code": "llm_rejected"})
    unknown = http_error({"event": "error", "code": "from_a_newer_release", "message": "m"})
    assert unknown.status_code == 503


# --- the exception handlers ------------------------------------------------------------------


FIELDS = {
    "limit": 7,
    "purpose": "delete",
    "detail": "it is too long",
    "version": "0123abcd",
    "expires_at": "2026-12-01T09:00:00.000000",
    "status": "pending",
    "reason": "a reason",
}
"""Every `{field}` a row's message names."""


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_handlers(app)

    @app.get("/refused/{name}")
    async def refused(name: str) -> None:
        raise Refused(name, **FIELDS)

    @app.get("/busy/{purpose}")
    async def busy(purpose: str) -> None:
        raise SessionBusy("s", purpose)

    @app.get("/missing")
    async def missing() -> None:
        raise SessionNotFound("s")

    @app.get("/lost")
    async def lost() -> None:
        raise LeaseLost("s")

    return TestClient(app)


@pytest.mark.parametrize("name", [row.name for row in TABLE if not row.validation])
def test_a_refusal_is_answered_with_its_rows_status_detail_and_headers(
    client: TestClient, name: str
) -> None:
    row = ERRORS[name]
    response = client.get(f"/refused/{name}")
    assert response.status_code == row.status
    coded = {"code": name} if row.says_code else {}
    assert response.json() == {
        "detail": row.detail(**FIELDS),
        **coded,
    }
    for header, value in row.http_headers().items():
        assert response.headers[header] == value


def test_the_repositorys_exceptions_are_answered_from_the_table(client: TestClient) -> None:
    turn = client.get("/busy/turn")
    assert (turn.status_code, turn.json()["detail"]) == (409, ERRORS["reply_in_progress"].message)
    deleting = client.get("/busy/delete")
    assert deleting.status_code == 409
    assert (
        deleting.json()["detail"] == "The session is being changed (delete); try again in a moment."
    )
    assert client.get("/missing").json() == {"detail": "Session not found"}
    lost = client.get("/lost")
    assert (lost.status_code, lost.json()["detail"]) == (409, ERRORS["lease_lost"].message)


# --- the OpenAPI document ---------------------------------------------------------------------


def test_every_route_of_the_app_has_its_own_entry_and_every_entry_names_rows() -> None:
    doc = _doc(admin_token="t")
    routes = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert routes == set(ROUTE_ERRORS)
    for names in ROUTE_ERRORS.values():
        assert set(names) <= set(ERRORS), set(names) - set(ERRORS)


@pytest.mark.parametrize("auth_on", [True, False], ids=["auth", "open"])
def test_every_documented_error_response_is_made_of_the_routes_rows(auth_on: bool) -> None:
    doc = _doc(admin_token="t") if auth_on else _doc()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            secured = auth_on and "security" in operation
            rows = [e for e in route_errors(method, path) if secured or not e.needs_auth]
            documented = {s for s in operation["responses"] if s[0] in "45"}
            assert documented == {str(e.status) for e in rows}, (method, path)
            for status in documented:
                response = operation["responses"][status]
                at_status = [e for e in rows if str(e.status) == status]
                for error in at_status:
                    assert error.when in response["description"], (method, path, error.name)
                codes = [e.name for e in at_status if e.turn]
                if codes:
                    described = response["headers"]["X-Error-Code"]["description"]
                    assert all(f"`{code}`" in described for code in codes)
                if any(e.retry_after is not None for e in at_status):
                    assert "Retry-After" in response["headers"]


# --- the generated section of docs/API.md ----------------------------------------------------


def test_the_error_section_of_the_api_doc_is_current() -> None:
    assert docsection.check_file(API_DOC, error_docs.SECTION, error_docs.render()), (
        "docs/API.md's Errors section is stale: run `python -m api.error_docs --write docs/API.md`"
    )


def test_the_error_section_names_every_row_and_every_route() -> None:
    section = error_docs.render()
    for row in TABLE:
        assert f"| {row.status} | `{row.name}`" in section, row.name
    for method, path in ROUTE_ERRORS:
        assert f"| `{method.upper()} {path}` |" in section


def test_a_changed_row_makes_the_section_stale_until_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "API.md"
    doc.write_text(API_DOC.read_text(encoding="utf-8"), encoding="utf-8")
    assert error_docs.main(["--check", str(doc)]) == docsection.EXIT_OK
    changed = replace(ERRORS["lease_lost"], when="Something else entirely.")
    table = tuple(changed if row.name == "lease_lost" else row for row in TABLE)
    monkeypatch.setattr(error_docs, "TABLE", table)
    assert error_docs.main(["--check", str(doc)]) == docsection.EXIT_STALE
    assert "stale" in capsys.readouterr().err
    assert error_docs.main(["--write", str(doc)]) == docsection.EXIT_OK
    assert error_docs.main(["--check", str(doc)]) == docsection.EXIT_OK
    assert "Something else entirely." in doc.read_text(encoding="utf-8")
