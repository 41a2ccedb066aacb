"""Any OpenAI-compatible endpoint behind the port (vLLM, Ollama, llama.cpp serving Llama 3.3),
through `langchain-openai`.

`BaseChatOpenAI` speaks the Chat Completions wire format those servers share and sends
`max_tokens` as it is (`ChatOpenAI` renames it `max_completion_tokens`, which not every server
reads). Every model is built from one `OpenAIConfig` and cached by it, per event loop, on the
shared connection pool; the SDK is imported when a model is first built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from graph.context import Context
from graph.llm.http_client import PoolConfig, per_loop, pooled_client
from graph.llm.port import StructuredCall
from graph.state import InterviewSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

KEY_VARIABLE = "INTERVIEWER_OPENAI_API_KEY"
NO_KEY = "EMPTY"
"""Sent when no key is set: self-hosted servers started without one accept any, and the SDK
refuses to send none."""


@dataclass(frozen=True)
class OpenAIConfig:
    """Everything that makes one model on the endpoint differ from another (and its cache key)."""

    base_url: str
    model: str
    api_key: str = field(repr=False)
    max_tokens: int
    max_retries: int
    timeout: float
    max_retry_wait: float
    temperature: float = 0.0
    top_p: float | None = None
    """None: not sent."""
    streaming: bool = False
    structured_output: Literal["function_calling", "json_schema"] = "function_calling"
    seed: int | None = None
    """None: not sent."""

    @classmethod
    def of(cls, context: Context, **values: Any) -> OpenAIConfig:
        """The endpoint settings of `context`, and the model's own `values`."""
        assert context.openai_base_url and context.openai_model  # OpenAIProvider.missing
        return cls(
            base_url=context.openai_base_url,
            model=context.openai_model,
            api_key=os.environ.get(KEY_VARIABLE) or NO_KEY,
            timeout=context.openai_timeout,
            max_retry_wait=context.openai_max_retry_wait,
            structured_output=context.openai_structured_output,
            **values,
        )

    @classmethod
    def for_reply(cls, context: Context, settings: InterviewSettings) -> OpenAIConfig:
        """The streaming reply model of a session (its temperature and top_p)."""
        return cls.of(
            context,
            temperature=settings.temperature,
            top_p=settings.top_p,
            max_tokens=context.max_tokens,
            max_retries=context.openai_max_retries,
            streaming=True,
        )

    @classmethod
    def for_call(cls, context: Context, call: StructuredCall) -> OpenAIConfig:
        """A structured call's model: not streaming, its own budget, temperature and seed."""
        retries = context.openai_max_retries if call.retries else 0
        return cls.of(
            context,
            max_tokens=call.max_tokens,
            max_retries=retries,
            temperature=call.temperature,
            seed=call.seed,
        )

    @property
    def pool(self) -> PoolConfig:
        return PoolConfig(self.timeout, self.max_retry_wait)


def _chat(config: OpenAIConfig, cls: type[Any]) -> BaseChatModel:
    extra: dict[str, Any] = {"top_p": config.top_p} if config.top_p is not None else {}
    if config.seed is not None:
        extra["seed"] = config.seed
    model: BaseChatModel = cls(
        model=config.model,
        base_url=config.base_url,
        api_key=config.api_key,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        max_retries=config.max_retries,
        timeout=config.timeout,
        streaming=config.streaming,
        stream_usage=False,  # `stream_options` is not understood by every server
        use_responses_api=False,  # OpenAI's own Responses API: not what compatible servers serve
        http_async_client=pooled_client(config.pool),
        **extra,
    )
    return model


def reply_model(config: OpenAIConfig) -> BaseChatModel:
    """The streaming reply model, `ReplyChatOpenAI` (chat.py)."""
    from graph.llm.openai.chat import ReplyChatOpenAI

    return per_loop(("openai-reply", config), lambda: _chat(config, ReplyChatOpenAI))


def structured_model(config: OpenAIConfig, schema: type[Any]) -> Runnable[Any, Any]:
    """A non-streaming model answering `schema`, by a forced tool call or a JSON schema."""
    from langchain_openai.chat_models.base import BaseChatOpenAI

    def build() -> Runnable[Any, Any]:
        return _chat(config, BaseChatOpenAI).with_structured_output(
            schema, method=config.structured_output, include_raw=True
        )

    return per_loop(("openai-structured", config, schema), build)
