"""The offline adapter: the built-in interviewer model (model.py), its composers (composers.py)
and its phrasings (question_bank.json). It needs no key and no network, and says so: the
service describes it as `offline` everywhere it names its provider."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from graph.context import Context, ContextFields, ProviderName
from graph.llm.errors import LLMFailure
from graph.llm.offline.composers import (
    QuestionBank,
    load_question_bank,
    quotable_phrases,
    render_reply,
    salient_phrases,
)
from graph.llm.offline.model import OFFLINE_MODEL_NAME, OfflineInterviewerModel
from graph.llm.port import ProviderInfo, StructuredCall
from graph.state import InterviewSettings

__all__ = [
    "OFFLINE_MODEL_NAME",
    "OfflineInterviewerModel",
    "OfflineProvider",
    "QuestionBank",
    "load_question_bank",
    "quotable_phrases",
    "render_reply",
    "salient_phrases",
]


@lru_cache(maxsize=8)
def _model(token_delay: float) -> OfflineInterviewerModel:
    return OfflineInterviewerModel(token_delay=token_delay)


class OfflineProvider:
    """The `offline` provider: always available, no structured calls (the follow-up rules and
    the heuristic evaluator stand in for the LLM judge and evaluator)."""

    name: ProviderName = "offline"

    def missing(self, context: ContextFields) -> str | None:
        return None

    def describe(self, context: ContextFields) -> ProviderInfo:
        return ProviderInfo(
            name="offline",
            model=OFFLINE_MODEL_NAME,
            api_base=None,
            offline=True,
            structured_output=False,
        )

    def reply_model(self, context: Context, settings: InterviewSettings) -> BaseChatModel:
        return _model(context.offline_token_delay)

    def structured_model(self, context: Context, call: StructuredCall) -> Runnable[Any, Any] | None:
        return None

    def classify(self, exc: BaseException) -> LLMFailure | None:
        return None  # the offline model raises nothing of its own
