"""The LLM port's error taxonomy: what went wrong, in terms every provider shares.

Each adapter maps its own SDK's exceptions to an `LLMFailure` (`ChatProvider.classify`), and the
port raises the few failures it detects itself as `LLMError`s. Callers (the API's error table,
the evaluation's failure record) read only the kind and the wait, never an SDK's class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

FailureKind = Literal[
    "rate_limited", "unavailable", "rejected", "timed_out", "cut", "prompt_too_large"
]
"""rate_limited: the provider asked us to slow down (a 429), maybe saying for how long;
unavailable: it could not be reached or failed on its side (5xx, connection refused, an error
reported inside the stream); rejected: it refused this request as such (400, 422), so the same
request would be refused again; timed_out: no answer in time; cut: the stream broke off after
the reply had started; prompt_too_large: refused before sending, it could never fit the model's
context window."""

FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)
NOT_RETRYABLE: frozenset[FailureKind] = frozenset({"rejected", "prompt_too_large"})
"""Kinds that sending the same request again cannot fix."""


@dataclass(frozen=True)
class LLMFailure:
    """One classified LLM failure."""

    kind: FailureKind
    retry_after: int | None = None
    """Whole seconds the provider asked to wait before trying again, when it said (a 429's
    retry-after, before our cap clipped it for the SDK's own retries)."""
    detail: str = ""
    """A sentence for people (logs, the API's message where it shows one); never a trace."""

    @property
    def retryable(self) -> bool:
        return self.kind not in NOT_RETRYABLE


class LLMError(Exception):
    """A failure raised by the port or an adapter itself rather than by an SDK."""

    kind: ClassVar[FailureKind]

    @property
    def failure(self) -> LLMFailure:
        return LLMFailure(self.kind, detail=str(self))


class PromptTooLarge(LLMError, ValueError):
    """A request that could never fit the model's context window; it is not sent."""

    kind = "prompt_too_large"


class StreamCut(LLMError):
    """The provider's stream broke off after the reply had started (the cause is chained)."""

    kind = "cut"


class LLMConfigError(RuntimeError):
    """The operator chose a provider that cannot be built (e.g. Groq without a key)."""
