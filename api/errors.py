"""Every error the API answers with, in one table.

A row is one error: its name, HTTP status, the `detail` it says, whether sending the same
request again can help, the `Retry-After` it sends and when it happens. Everything else is made
from the table:

* the exception handlers (`install_handlers`) and every HTTPException the routes, dependencies
  and the request guard raise (`ERRORS[name].http(...)`);
* a failed turn's answer (`turn_error`): before the reply's first byte an HTTP status with
  `X-Error-Code` and `Retry-After`, after it the SSE `error` event, with the same code;
* each route's documented error responses in the OpenAPI document (api/openapi.py, from
  `ROUTE_ERRORS`);
* the generated Errors section of docs/API.md (`python -m api.error_docs --write docs/API.md`;
  a test fails when it is stale).

The names of a turn's errors (`turn=True`) are on the wire, as `X-Error-Code` and as the SSE
`error` event's `code`; the other names only name the row. Neither codes nor statuses change
without a new version of the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from api.sessions import LeaseLost, SessionBusy, SessionNotFound
from graph.events import ErrorEvent
from graph.llm import FailureKind, classify_failure

LLMErrorKind = FailureKind
"""The LLM port's neutral error kinds (graph.llm.errors): each is one row of the table
(`ApiError.llm`)."""

DEFAULT_RETRY_SECONDS = 5
"""`Retry-After` for an LLM that failed or timed out (a rate limit sends the LLM's own wait)."""

DEADLINE_MESSAGE = "The reply did not finish within the turn deadline."
"""`llm_timeout`'s message when the whole reply, not one LLM call, took too long."""


@dataclass(frozen=True)
class ApiError:
    """One row of the table."""

    name: str
    """The row's name; for a turn's error, the code on the wire."""
    status: int
    message: str
    """The body's `detail` (a turn's: the SSE `error` event's `message`); `{field}`s are
    filled from the request, e.g. the body cap that was passed."""
    when: str
    """When it happens, for the docs and the OpenAPI document."""
    retryable: bool
    """Whether sending the same request again can help."""
    advice: str = ""
    """What to do, when "yes" or "no" is not all (docs' "send again?" column)."""
    retry_after: int | None = None
    """`Retry-After` seconds sent (a rate limit: the LLM's own wait); None: no header."""
    turn: bool = False
    """An error of a running turn: its name is the `X-Error-Code` and the SSE event's `code`."""
    llm: tuple[LLMErrorKind, ...] = ()
    """The LLM port's error kinds this error stands for."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Headers always sent with it."""
    validation: bool = False
    """The body's `detail` is FastAPI's list of field errors, not a string."""
    needs_auth: bool = False
    """Only happens with access control on (INTERVIEWER_ADMIN_TOKEN set)."""
    says_retryable: bool = True
    """Whether the SSE event carries `retryable` (`shutting_down`'s never did)."""

    def detail(self, **fields: Any) -> str:
        return self.message.format(**fields) if fields else self.message

    def http_headers(self, retry_after: int | None = None) -> dict[str, str]:
        headers = dict(self.headers)
        if self.turn:
            headers["X-Error-Code"] = self.name
        if self.retry_after is not None:
            wait = self.retry_after if retry_after is None else retry_after
            headers["Retry-After"] = str(wait)
        return headers

    def http(self, **fields: Any) -> HTTPException:
        """As an HTTPException (for dependencies and routes)."""
        return HTTPException(
            status_code=self.status, detail=self.detail(**fields), headers=self.http_headers()
        )

    def response(self, **fields: Any) -> JSONResponse:
        """As a response (for exception handlers and middleware)."""
        return JSONResponse(
            status_code=self.status,
            content={"detail": self.detail(**fields)},
            headers=self.http_headers(),
        )

    def event(
        self, retry_after: int | None = None, message: str | None = None, **fields: Any
    ) -> ErrorEvent:
        """A turn's SSE `error` event (`message`: one more specific than the row's)."""
        said = self.detail(**fields) if message is None else message
        error: ErrorEvent = {"event": "error", "code": self.name, "message": said}
        if self.says_retryable:
            error["retryable"] = self.retryable
        if retry_after is not None:
            error["retry_after"] = retry_after
        return error


_BEARER = {"WWW-Authenticate": "Bearer"}
_LLM = DEFAULT_RETRY_SECONDS

TABLE: tuple[ApiError, ...] = (
    # 400: the session's state does not allow it
    ApiError(
        "interview_in_progress", 400, "Interview already in progress",
        "start-interview on a session whose interview is in progress.",
        False, "reset or end it first",
    ),
    ApiError(
        "interview_finished", 400, "This interview has finished; it cannot be started again",
        "A candidate token starting an interview that has finished (the hiring side may).",
        False,
    ),
    ApiError(
        "no_active_interview", 400, "No active interview in this session",
        "chat or end-interview before start-interview, or after the interview ended.",
        False, "start the interview first",
    ),
    ApiError(
        "session_id_mismatch", 400, "Session ID mismatch",
        "The body's `session_id` names another session than the path.",
        False, "send the path's session id",
    ),
    # 401, 403: access control
    ApiError(
        "unauthorized", 401, "Missing or invalid bearer token",
        "Access control is on and the bearer token is missing or invalid; checked before the "
        "body is read.",
        False, "only with a valid token", headers=_BEARER, needs_auth=True,
    ),
    ApiError(
        "bad_authorization", 401, "Authorization must be 'Bearer <token>'",
        "Access control is on and the `Authorization` header is not `Bearer <token>`.",
        False, "only with a valid token", headers=_BEARER, needs_auth=True,
    ),
    ApiError(
        "forbidden", 403, "This token may not do that",
        "The token may not do this: a candidate token on an admin route, or sending a system "
        "message.",
        False, needs_auth=True,
    ),
    # 404
    ApiError(
        "session_not_found", 404, "Session not found",
        "No such session: an unknown or malformed id, or another session's candidate token.",
        False,
    ),
    ApiError(
        "no_saved_document", 404, "No saved document for this session",
        "The session was never saved (save-session, delete, expiry or restart).",
        False,
    ),
    # 409: the session is busy, or not there yet
    ApiError(
        "reply_in_progress", 409,
        "A reply is still being generated for this session; wait for it to finish.",
        "A reply of this session is still streaming (also when the same `Idempotency-Key` is "
        "on that turn).",
        True, "once the running reply has finished",
    ),
    ApiError(
        "session_changing", 409, "The session is being changed ({purpose}); try again in a moment.",
        "The session is being saved, deleted, reset or expired.",
        True, "in a moment",
    ),
    ApiError(
        "lease_lost", 409, "The session changed while this request ran; try again.",
        "Another request changed the session while this one ran; nothing of this one was kept.",
        True,
    ),
    ApiError(
        "interview_not_finished", 409, "The interview has not finished",
        "The interview has not started, or is still in progress: there is no report to make.",
        False, "once the interview has finished",
    ),
    # 413, 422: the request itself
    ApiError(
        "body_too_large", 413,
        "The request body is larger than this route accepts ({limit} bytes).",
        "The body is larger than the route accepts; the connection is closed.",
        False, "make it smaller", headers={"Connection": "close"},
    ),
    ApiError(
        "invalid_body", 422, "",
        "The body is invalid, or is JSON no field may hold (`NaN`, `Infinity`, `1e999`, a lone "
        "surrogate, invalid UTF-8, nesting deeper than 16). `detail` is a list of `{type, loc, "
        "msg, input}`: `loc` names the field, `input` quotes at most 40 characters of it.",
        False, "fix the field named", validation=True,
    ),
    ApiError(
        "invalid_query", 422, "",
        "A query parameter is invalid (`limit` not a whole number, or out of its range). "
        "`detail` is a list of `{type, loc, msg, input}`: `loc` names the parameter.",
        False, "fix the parameter named", validation=True,
    ),
    ApiError(
        "bad_idempotency_key", 422, "Idempotency-Key must be 1-{limit} printable ASCII characters",
        "The `Idempotency-Key` header is empty, too long or not printable ASCII.",
        False, "fix the header",
    ),
    ApiError(
        "bad_cursor", 422, "This cursor was not handed out by GET /sessions",
        "The `cursor` of `GET /sessions` is not one its `X-Next-Cursor` header gave.",
        False, "start again without a cursor", headers={"X-Error-Code": "bad_cursor"},
    ),
    ApiError(
        "idempotency_key_reused", 422,
        "This Idempotency-Key was already used for a different request on this session",
        "The `Idempotency-Key` was used before on this session with another request.",
        False, "use a new key for a new request",
    ),
    # 429
    ApiError(
        "turn_limit_reached", 429, "This interview has reached its limit of {limit} turns",
        "The session has had as many candidate turns as one interview may have.",
        False,
    ),
    ApiError(
        "create_rate_limited", 429,
        "Too many sessions created from this address (a burst of {limit}, then a "
        "steady rate); retry after the Retry-After seconds.",
        "Open mode only: this client address created sessions faster than "
        "INTERVIEWER_CREATE_RATE_PER_SECOND (beyond a burst of INTERVIEWER_CREATE_BURST).",
        True, "after `Retry-After`", retry_after=1,
        headers={"X-Error-Code": "create_rate_limited"},
    ),
    # 502, 503: a turn that failed (or would fail) before its first byte
    ApiError(
        "llm_rejected", 502, "The language model rejected the request.",
        "The language model rejected the request as such.",
        False, "the same request would be rejected again", turn=True, llm=("rejected",),
    ),
    ApiError(
        "llm_rate_limited", 503, "The language model is rate limited.",
        "The language model is rate limited; `Retry-After` is its own wait when it said one.",
        True, "after `Retry-After`", retry_after=_LLM, turn=True, llm=("rate_limited",),
    ),
    ApiError(
        "llm_unavailable", 503, "The language model is unavailable.",
        "The language model failed, or cut its reply short.",
        True, "after `Retry-After`", retry_after=_LLM, turn=True, llm=("unavailable", "cut"),
    ),
    ApiError(
        "llm_timeout", 503, "The language model timed out.",
        "The language model timed out, or the whole reply took longer than the turn deadline "
        f"(then the message is \"{DEADLINE_MESSAGE}\").",
        True, "after `Retry-After`", retry_after=_LLM, turn=True, llm=("timed_out",),
    ),
    ApiError(
        "prompt_too_large", 503, "Request refused: {detail}.",
        "The prompt and the longest reply cannot fit the model's context window; it was not "
        "sent.",
        False, turn=True, llm=("prompt_too_large",),
    ),
    ApiError(
        "turn_failed", 503, "The turn failed; send the same message again.",
        "The turn failed for another reason (the service's own fault).",
        True, turn=True,
    ),
    ApiError(
        "shutting_down", 503,
        "The server stopped before this reply finished; it was not recorded. "
        "Send the same message again.",
        "The server stopped before the reply finished (its grace ran out).",
        True, "to this or another replica", turn=True, says_retryable=False,
    ),
    ApiError(
        "too_many_sessions", 503,
        "The service holds as many sessions as it may ({limit}); try again later.",
        "The database holds INTERVIEWER_MAX_SESSIONS sessions; idle ones are saved and removed "
        "after INTERVIEWER_SESSION_TIMEOUT_MINUTES, or an admin deletes some.",
        True, "after `Retry-After`, or once sessions were removed", retry_after=60,
        headers={"X-Error-Code": "too_many_sessions"},
    ),
    ApiError(
        "overloaded", 503, "The server is at its limit of concurrent replies; retry shortly.",
        "The server runs as many replies at once as it may (INTERVIEWER_MAX_ACTIVE_TURNS).",
        True, "after `Retry-After`", retry_after=1,
    ),
)  # fmt: skip

ERRORS: dict[str, ApiError] = {row.name: row for row in TABLE}

LLM_ERRORS: dict[LLMErrorKind, ApiError] = {kind: row for row in TABLE for kind in row.llm}
"""The row of each LLM error kind; anything else a turn raises is `turn_failed`."""


# --- a turn's errors -----------------------------------------------------------------------


def turn_error(exc: BaseException, *, deadline: bool = False) -> ErrorEvent:
    """The `error` event of a turn that raised `exc` (`deadline`: the turn deadline passed).

    Never a stack trace: the message is the table's.
    """
    failure = None if deadline else classify_failure(exc)
    if failure is None:
        # A bare TimeoutError is the API's own clock (the turn deadline), not an LLM call's.
        if deadline or isinstance(exc, TimeoutError):
            return ERRORS["llm_timeout"].event(message=DEADLINE_MESSAGE)
        return ERRORS["turn_failed"].event()
    row = LLM_ERRORS[failure.kind]
    if row.name == "prompt_too_large":
        return row.event(detail=failure.detail or str(exc))
    return row.event(retry_after=failure.retry_after)


def row_of(error: Mapping[str, Any]) -> ApiError:
    """The row of a turn's error (an unknown code: `turn_failed`)."""
    return ERRORS.get(str(error.get("code")), ERRORS["turn_failed"])


def error_headers(error: Mapping[str, Any]) -> dict[str, str]:
    """`X-Error-Code`, and `Retry-After` when sending again can help (a rate limit: the LLM's
    own wait when it gave one)."""
    headers = row_of(error).http_headers(error.get("retry_after"))
    headers["X-Error-Code"] = str(error.get("code", "turn_failed"))
    return headers


def http_error(error: ErrorEvent) -> HTTPException:
    """A turn's error as the HTTP answer, when no byte of the reply was sent yet."""
    return HTTPException(
        status_code=row_of(error).status,
        detail=error.get("message", ERRORS["turn_failed"].message),
        headers=error_headers(error),
    )


# --- refusals and exception handlers --------------------------------------------------------


class Refused(Exception):
    """A request refused with one row of the table (`name`), its message filled from `fields`
    (`retry_after`: this refusal's own `Retry-After`, instead of the row's)."""

    def __init__(self, name: str, retry_after: int | None = None, **fields: Any) -> None:
        self.error = ERRORS[name]
        self.fields = fields
        self.retry_after = retry_after
        super().__init__(self.error.detail(**fields))

    def response(self) -> JSONResponse:
        return JSONResponse(
            status_code=self.error.status,
            content={"detail": self.error.detail(**self.fields)},
            headers=self.error.http_headers(self.retry_after),
        )


def _busy(exc: SessionBusy) -> JSONResponse:
    if exc.purpose in ("turn", "evaluate"):
        return ERRORS["reply_in_progress"].response()
    return ERRORS["session_changing"].response(purpose=exc.purpose)


def install_handlers(app: FastAPI) -> None:
    """Answer the domain's exceptions with their rows, as `{"detail": ...}` like FastAPI's own."""

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        return exc.response()

    async def busy(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SessionBusy)
        return _busy(exc)

    async def not_found(_: Request, __: Exception) -> JSONResponse:
        return ERRORS["session_not_found"].response()

    async def lost(_: Request, __: Exception) -> JSONResponse:
        return ERRORS["lease_lost"].response()

    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(SessionBusy, busy)
    app.add_exception_handler(SessionNotFound, not_found)
    app.add_exception_handler(LeaseLost, lost)


# --- which route answers which ---------------------------------------------------------------

_AUTH = ("unauthorized", "bad_authorization")
_ADMIN = (*_AUTH, "forbidden")
_BODY = ("body_too_large", "invalid_body")
_SESSION = ("session_not_found",)
_BUSY = ("reply_in_progress", "session_changing")
_LLM_FAILED = (
    "llm_rejected", "llm_rate_limited", "llm_unavailable", "llm_timeout", "prompt_too_large",
    "turn_failed", "shutting_down", "overloaded",
)  # fmt: skip
_KEYED = ("bad_idempotency_key", "idempotency_key_reused")

ROUTE_ERRORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/create-session"): (*_AUTH, *_BODY, "create_rate_limited", "too_many_sessions"),
    ("post", "/start-interview/{session_id}"): (
        "interview_in_progress", "interview_finished", *_AUTH, *_SESSION, *_BUSY, *_BODY,
        *_KEYED, *_LLM_FAILED,
    ),
    ("post", "/chat/{session_id}"): (
        "no_active_interview", "session_id_mismatch", *_ADMIN, *_SESSION, *_BUSY, *_BODY,
        *_KEYED, "turn_limit_reached", *_LLM_FAILED,
    ),
    ("post", "/end-interview/{session_id}"): (
        "no_active_interview", *_ADMIN, *_SESSION, *_BUSY, *_BODY, "turn_limit_reached",
        *_LLM_FAILED,
    ),
    ("post", "/reset/{session_id}"): (*_ADMIN, *_SESSION, *_BUSY, "lease_lost", *_BODY),
    ("get", "/interview-status/{session_id}"): (*_AUTH, *_SESSION),
    ("get", "/conversation-history/{session_id}"): (*_ADMIN, *_SESSION),
    ("get", "/security-info/{session_id}"): (*_ADMIN, *_SESSION),
    ("post", "/save-session/{session_id}"): (*_ADMIN, *_SESSION, *_BODY),
    ("delete", "/session/{session_id}"): (*_ADMIN, *_SESSION, *_BUSY, "lease_lost", *_BODY),
    ("get", "/sessions"): (*_ADMIN, "bad_cursor", "invalid_query"),
    ("get", "/saved-sessions"): _ADMIN,
    ("get", "/saved-sessions/{session_id}"): (*_ADMIN, *_SESSION, "no_saved_document"),
    ("get", "/report/{session_id}"): (*_ADMIN, *_SESSION, "interview_not_finished"),
    ("post", "/report/{session_id}/regenerate"): (
        *_ADMIN, *_SESSION, "interview_not_finished", *_BODY,
    ),
    ("get", "/audit"): (*_ADMIN, *_SESSION, "invalid_query"),
    ("get", "/model-info"): (),
    ("get", "/healthz"): (),
}  # fmt: skip
"""The errors each route can answer (the OpenAPI document and docs/API.md list them)."""


def route_errors(method: str, path: str) -> tuple[ApiError, ...]:
    """The rows of a route; a route missing from ROUTE_ERRORS gets what any route may answer
    (a test holds every route of the app to an entry of its own)."""
    names = ROUTE_ERRORS.get((method, path))
    if names is None:
        names = _ADMIN + (_SESSION if "{session_id}" in path else ())
        names += _BODY if method in ("post", "put", "patch", "delete") else ()
    return tuple(ERRORS[name] for name in names)
