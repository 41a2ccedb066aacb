"""The groq SDK's exceptions (and httpx's, which it lets through while streaming) as the port's
failure kinds."""

from __future__ import annotations

import sys

from graph.llm.errors import LLMFailure
from graph.llm.http_client import classify_transport, rate_limit_wait


def classify(exc: BaseException) -> LLMFailure | None:
    """The failure `exc` means, if the groq SDK or its transport raised it."""
    if "groq" in sys.modules:  # not imported yet: nothing can have raised its exceptions
        import groq

        if isinstance(exc, groq.RateLimitError):
            return LLMFailure("rate_limited", retry_after=rate_limit_wait(exc.response))
        if isinstance(exc, groq.BadRequestError | groq.UnprocessableEntityError):
            return LLMFailure("rejected", detail=exc.message)
        if isinstance(exc, groq.APITimeoutError):
            return LLMFailure("timed_out", detail=exc.message)
        if isinstance(exc, groq.APIError):
            # 5xx, refused connections, auth failures and errors reported inside the stream.
            return LLMFailure("unavailable", detail=exc.message)
    return classify_transport(exc)
