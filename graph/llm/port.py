"""The LLM port: what an LLM provider gives the interview, and the rules every provider shares.

The interview and the evaluation never name a provider: they ask the registry
(`graph.llm.registry`) for a reply model, a structured model or a description, and the registry
asks the configured adapter (`graph.llm.groq`, `graph.llm.openai`, `graph.llm.offline`), each a
`ChatProvider`. Adding a provider is one adapter package and one row in the registry
(docs/CHANGING.md, "Add an LLM provider").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from graph.context import ProviderName
from graph.llm.errors import LLMFailure, PromptTooLarge

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

    from graph.context import Context, ContextFields
    from graph.state import InterviewSettings
    from graph.tasks import ReplyTask

MODEL_NAME = "llama-3.3-70b-versatile"
"""The model the interviewer is built for: the seed's fixed `model_name` in every response, and
the model the Groq adapter asks for. Other providers say what they serve in `ProviderInfo`."""
REPLY_TAG = "interviewer_reply"
"""Tag on the LLM call whose tokens are the interviewer's words; every other call is internal."""
DECISION_TAG = "follow_up_decision"
"""Tag on the LLM judge's call (`INTERVIEWER_FOLLOW_UP=llm`): internal, never streamed."""
DECISION_MAX_TOKENS = 200
"""Room for one judgement: an action, a kind and a one-sentence reason."""


@dataclass(frozen=True)
class ProviderInfo:
    """What the service says about the provider serving it (/model-info, /healthz, reports,
    /sessions, history and saved documents)."""

    name: ProviderName
    model: str
    """The model the provider serves (a report's `model`; the seed's `model_name` stays fixed)."""
    api_base: str | None
    """Where the provider is reached; None for the built-in offline model."""
    offline: bool
    structured_output: bool
    """Whether it can answer structured calls (the LLM follow-up judge, the LLM evaluator)."""


@dataclass(frozen=True)
class StructuredCall:
    """One kind of structured-output call: the schema and the budget of its answer."""

    schema: type[BaseModel]
    max_tokens: int
    retries: bool
    """Whether the provider's retries apply. The follow-up judge has none: a slow judge falls
    back to the rules, a retry is not worth its wait."""
    temperature: float = 0.0
    """The sampling temperature (0: the most likely answer)."""
    seed: int | None = None
    """The sampling seed sent with the call (None: not sent): the evaluator's repeated runs of
    one question differ by it."""


class ChatProvider(Protocol):
    """An adapter: one LLM provider behind the port.

    Models are built from one typed, named configuration per provider and cached by it: a model
    holds HTTP connection pools, which the hot path must not build every turn.
    """

    name: ProviderName

    def missing(self, context: ContextFields) -> str | None:
        """What the configuration lacks for this provider to serve, or None when it can."""

    # The registry calls the methods below only once `missing` has said nothing is.

    def describe(self, context: ContextFields) -> ProviderInfo:
        """This provider as configured."""

    def reply_model(self, context: Context, settings: InterviewSettings) -> BaseChatModel:
        """The streaming chat model for the interviewer's replies, at the session's
        temperature and top_p."""

    def structured_model(self, context: Context, call: StructuredCall) -> Runnable[Any, Any] | None:
        """A runnable answering `call.schema`: `ainvoke(messages)` returns the dict of
        `with_structured_output(..., include_raw=True)` (`raw`, `parsed`, `parsing_error`).
        None when the provider has no such ability (the offline model)."""

    def classify(self, exc: BaseException) -> LLMFailure | None:
        """The failure `exc` means if this provider's SDK or transport raised it, else None."""


@runtime_checkable
class TaskAware(Protocol):
    """A chat model that plays the interviewer from the reply task's facts rather than from the
    rendered prompt (the offline model): it is handed the task before each reply."""

    def for_task(self, task: ReplyTask) -> Runnable[Any, Any]: ...


def estimate_tokens(messages: list[BaseMessage]) -> int:
    """An upper-side estimate of prompt tokens (about 4 characters a token, plus framing)."""
    return sum(len(str(m.content)) // 3 + 4 for m in messages)


def ensure_fits(messages: list[BaseMessage], context: Context) -> None:
    """Refuse, before sending, a request whose prompt plus reply cannot fit the window."""
    needed = estimate_tokens(messages) + context.max_tokens
    if needed > context.context_window:
        raise PromptTooLarge(
            f"the request needs about {needed} tokens (prompt + max_tokens {context.max_tokens})"
            f" but the model's context window is {context.context_window}"
        )
