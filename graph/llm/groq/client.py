"""Groq behind the port: Llama 3.3 70B through the real `langchain-groq` client.

Replies stream through `LeanChatGroq` (`stream.py`: one LangChain chunk per network read) over
the lean HTTP transport (`transport.py`); the follow-up judge and the evaluator are plain
`ChatGroq` calls with structured output. Every model is built from one `GroqConfig` and cached
by it, per event loop, on the shared connection pool. The SDKs are imported when a model is
first built: a service running another provider never loads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from graph.context import Context, ContextFields, ProviderName
from graph.llm.errors import LLMFailure
from graph.llm.groq.errors import classify
from graph.llm.groq.transport import transport_for
from graph.llm.http_client import PoolConfig, per_loop, pooled_client
from graph.llm.port import MODEL_NAME, ProviderInfo, StructuredCall
from graph.state import InterviewSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

KEY_VARIABLE = "GROQ_API_KEY"
BASE_VARIABLE = "GROQ_API_BASE"
DEFAULT_API_BASE = "https://api.groq.com"


@dataclass(frozen=True)
class GroqConfig:
    """Everything that makes one Groq chat model differ from another (and its cache key)."""

    api_key: str = field(repr=False)
    base_url: str | None
    """None: the SDK's default, Groq itself."""
    max_tokens: int
    max_retries: int
    timeout: float
    max_retry_wait: float
    http: Literal["lean", "httpx"]
    temperature: float = 0.0
    top_p: float | None = None
    """None: not sent (the structured calls leave it to the API's default)."""
    streaming: bool = False
    read_interval: float = 0.0
    """Seconds between reads of a streamed body after the first token (0: as data comes)."""
    model: str = MODEL_NAME
    seed: int | None = None
    """None: not sent."""

    @classmethod
    def of(cls, context: Context, **values: Any) -> GroqConfig:
        """The connection settings of `context`, and the model's own `values`."""
        return cls(
            api_key=os.environ[KEY_VARIABLE],
            base_url=os.environ.get(BASE_VARIABLE) or None,
            timeout=context.groq_timeout,
            max_retry_wait=context.groq_max_retry_wait,
            http=context.groq_http,
            **values,
        )

    @classmethod
    def for_reply(cls, context: Context, settings: InterviewSettings) -> GroqConfig:
        """The streaming reply model of a session (its temperature and top_p)."""
        return cls.of(
            context,
            temperature=settings.temperature,
            top_p=settings.top_p,
            max_tokens=context.max_tokens,
            max_retries=context.groq_max_retries,
            streaming=True,
            read_interval=context.stream_flush_ms / 1000,
        )

    @classmethod
    def for_call(cls, context: Context, call: StructuredCall) -> GroqConfig:
        """A structured call's model: not streaming, its own budget, temperature and seed."""
        retries = context.groq_max_retries if call.retries else 0
        return cls.of(
            context,
            max_tokens=call.max_tokens,
            max_retries=retries,
            temperature=call.temperature,
            seed=call.seed,
        )

    @property
    def pool(self) -> PoolConfig:
        return PoolConfig(self.timeout, self.max_retry_wait, self.http)


def _chat_groq(config: GroqConfig, cls: type[Any]) -> BaseChatModel:
    sampling: dict[str, Any] = {"top_p": config.top_p} if config.top_p is not None else {}
    if config.seed is not None:
        sampling["seed"] = config.seed
    extra: dict[str, Any] = {"model_kwargs": sampling} if sampling else {}
    if config.streaming:
        extra["read_interval"] = config.read_interval
    model: BaseChatModel = cls(
        model=config.model,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        max_retries=config.max_retries,
        timeout=config.timeout,
        api_key=config.api_key,
        base_url=config.base_url,
        streaming=config.streaming,
        http_async_client=pooled_client(config.pool, transport_for),
        **extra,
    )
    return model


def reply_model(config: GroqConfig) -> BaseChatModel:
    """ChatGroq with the cheaper stream reader (one chunk per network read, not per token); the
    request, retries and error mapping are still ChatGroq's and the groq SDK's."""
    from graph.llm.groq.stream import ReplyChatGroq

    return per_loop(("groq-reply", config), lambda: _chat_groq(config, ReplyChatGroq))


def structured_model(config: GroqConfig, schema: type[Any]) -> Runnable[Any, Any]:
    """A non-streaming ChatGroq answering `schema` through a forced tool call."""
    from langchain_groq import ChatGroq

    def build() -> Runnable[Any, Any]:
        return _chat_groq(config, ChatGroq).with_structured_output(
            schema, method="function_calling", include_raw=True
        )

    return per_loop(("groq-structured", config, schema), build)


class GroqProvider:
    """The `groq` provider: GROQ_API_KEY (and GROQ_API_BASE for another origin)."""

    name: ProviderName = "groq"

    def missing(self, context: ContextFields) -> str | None:
        if not os.environ.get(KEY_VARIABLE):
            return f"INTERVIEWER_LLM=groq needs {KEY_VARIABLE} to be set"
        return None

    def describe(self, context: ContextFields) -> ProviderInfo:
        return ProviderInfo(
            name="groq",
            model=MODEL_NAME,
            api_base=os.environ.get(BASE_VARIABLE) or DEFAULT_API_BASE,
            offline=False,
            structured_output=True,
        )

    def reply_model(self, context: Context, settings: InterviewSettings) -> BaseChatModel:
        return reply_model(GroqConfig.for_reply(context, settings))

    def structured_model(self, context: Context, call: StructuredCall) -> Runnable[Any, Any]:
        return structured_model(GroqConfig.for_call(context, call), call.schema)

    def classify(self, exc: BaseException) -> LLMFailure | None:
        return classify(exc)
