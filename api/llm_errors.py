"""LLM failures as the API's error codes: the kind-to-code table of the error contract.

The port classifies an exception into a neutral kind (graph.llm.errors); this table says what a
client sees for each: the `X-Error-Code` (and the SSE `error` event's `code`), the message, and
whether sending again can help. The HTTP status of each code is in api/streaming.py.
"""

from __future__ import annotations

from typing import Any

from graph.llm import FailureKind, classify_failure

KIND_CODES: dict[FailureKind, tuple[str, str]] = {
    "rate_limited": ("llm_rate_limited", "The language model is rate limited."),
    "unavailable": ("llm_unavailable", "The language model is unavailable."),
    # A reply cut mid-way is, to a client, an LLM that became unavailable: send it again.
    "cut": ("llm_unavailable", "The language model is unavailable."),
    "rejected": ("llm_rejected", "The language model rejected the request."),
    "timed_out": ("llm_timeout", "The language model timed out."),
    "prompt_too_large": ("prompt_too_large", "Request refused: {detail}."),
}
DEADLINE_ERROR = {
    "code": "llm_timeout",
    "message": "The reply did not finish within the turn deadline.",
    "retryable": True,
}
"""The turn deadline (INTERVIEWER_TURN_DEADLINE_SECONDS) passed: the API's own timeout."""
TURN_FAILED = {
    "code": "turn_failed",
    "message": "The turn failed; send the same message again.",
    "retryable": True,
}


def classify_error(exc: BaseException) -> dict[str, Any]:
    """A client-facing error: a code, a message, whether sending again can help and, when the
    LLM said how long to wait, `retry_after` in seconds. Never a stack trace."""
    failure = classify_failure(exc)
    if failure is None:
        return dict(DEADLINE_ERROR if isinstance(exc, TimeoutError) else TURN_FAILED)
    code, message = KIND_CODES[failure.kind]
    error: dict[str, Any] = {
        "code": code,
        "message": message.format(detail=failure.detail),
        "retryable": failure.retryable,
    }
    if failure.retry_after is not None:
        error["retry_after"] = failure.retry_after
    return error
