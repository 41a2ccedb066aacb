"""The openai SDK's exceptions (langchain-openai raises subclasses of them, and httpx's pass
through while streaming) as the port's failure kinds."""

from __future__ import annotations

import sys

from langchain_core.exceptions import ContextOverflowError

from graph.llm.errors import LLMFailure
from graph.llm.http_client import classify_sdk, classify_transport


def classify(exc: BaseException) -> LLMFailure | None:
    """The failure `exc` means, if the openai SDK or its transport raised it."""
    if isinstance(exc, ContextOverflowError):
        # The server's own context check, however it phrased it: this request never fits.
        return LLMFailure("rejected", detail=str(exc))
    if "openai" in sys.modules:  # not imported yet: nothing can have raised its exceptions
        import openai

        failure = classify_sdk(exc, openai)
        if failure is not None:
            return failure
    return classify_transport(exc)
