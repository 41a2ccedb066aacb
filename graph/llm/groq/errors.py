"""The groq SDK's exceptions (and httpx's, which it lets through while streaming) as the port's
failure kinds."""

from __future__ import annotations

import sys

from graph.llm.errors import LLMFailure
from graph.llm.http_client import classify_sdk, classify_transport


def classify(exc: BaseException) -> LLMFailure | None:
    """The failure `exc` means, if the groq SDK or its transport raised it."""
    if "groq" in sys.modules:  # not imported yet: nothing can have raised its exceptions
        import groq

        failure = classify_sdk(exc, groq)
        if failure is not None:
            return failure
    return classify_transport(exc)
