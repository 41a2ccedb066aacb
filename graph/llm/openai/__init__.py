"""The OpenAI-compatible adapter: any server speaking the Chat Completions API (a self-hosted
vLLM, Ollama or llama.cpp serving Llama 3.3), selected with INTERVIEWER_LLM=openai and
configured by INTERVIEWER_OPENAI_BASE_URL, INTERVIEWER_OPENAI_MODEL and, if the server needs
one, INTERVIEWER_OPENAI_API_KEY. `OpenAIProvider` here, the models in client.py and chat.py,
the error mapping in errors.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.context import Context, ContextFields, ProviderName
from graph.llm.errors import LLMFailure
from graph.llm.openai.client import OpenAIConfig, reply_model, structured_model
from graph.llm.openai.errors import classify
from graph.llm.port import ProviderInfo, StructuredCall
from graph.state import InterviewSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

__all__ = ["OpenAIConfig", "OpenAIProvider"]


class OpenAIProvider:
    """The `openai` provider."""

    name: ProviderName = "openai"

    def missing(self, context: ContextFields) -> str | None:
        absent = [
            f"INTERVIEWER_{name.upper()}"
            for name in ("openai_base_url", "openai_model")
            if not getattr(context, name)
        ]
        if absent:
            return f"INTERVIEWER_LLM=openai needs {' and '.join(absent)} to be set"
        return None

    def describe(self, context: ContextFields) -> ProviderInfo:
        return ProviderInfo(
            name="openai",
            model=context.openai_model or "",
            api_base=context.openai_base_url,
            offline=False,
            structured_output=True,
        )

    def reply_model(self, context: Context, settings: InterviewSettings) -> BaseChatModel:
        return reply_model(OpenAIConfig.for_reply(context, settings))

    def structured_model(self, context: Context, call: StructuredCall) -> Runnable[Any, Any]:
        return structured_model(OpenAIConfig.for_call(context, call), call.schema)

    def classify(self, exc: BaseException) -> LLMFailure | None:
        return classify(exc)
