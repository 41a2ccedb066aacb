"""The built-in offline interviewer: a real LangChain chat model that needs no API key.

When no provider is configured the graph still runs interviews: the registry hands this model
the structured `ReplyTask` (`for_task`) and the reply streams exactly as it would from a hosted
LLM. The model plays "Mia" with the composers (`composers.py`) from the shipped question bank.

The replies keep the output contract the graph relies on (see `composers.py`): the question
alone as the last paragraph, never the end-of-interview marker, the same text for the same task.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

from graph.llm.offline.composers import playground_reply, render_reply
from graph.tasks import ReplyTask

OFFLINE_MODEL_NAME = "offline-interviewer"
"""What the offline model calls itself (a report or `ProviderInfo.model`; never the seed's
`model_name`, which stays the one graph.llm.MODEL_NAME gives)."""

# A word with the whitespace after it: joining the pieces gives back the reply exactly.
_PIECE_RE = re.compile(r"\S+\s*|\s+")


def _pieces(text: str) -> list[str]:
    return _PIECE_RE.findall(text) or [""]


def _apply_stop(text: str, stop: list[str] | None) -> str:
    if not stop:
        return text
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=len(text))
    return text[:cut]


class OfflineInterviewerModel(BaseChatModel):
    """Mia, the offline interviewer: plays a structured interview from the shipped bank.

    Pass the reply task as the ``task`` keyword (a `ReplyTask` or its ``model_dump()``), usually
    via ``model.bind(task=task.model_dump())``; ``invoke``, ``ainvoke``, ``stream`` and
    ``astream`` all honour it, and streaming yields one chunk per word. Without a task the model
    improvises a short interviewer line from the conversation. Other keyword arguments (say,
    ``temperature`` bound for a hosted model) are accepted and ignored.

    Token callbacks are not fired here: in langchain-core 1.x the base class reports every
    chunk `_stream`/`_astream` yields, so firing them here too would duplicate tokens.
    """

    token_delay: float = Field(default=0.0, ge=0.0)
    """Seconds to pause between streamed words, to pace the stream like a hosted model."""

    def for_task(self, task: ReplyTask) -> Runnable[Any, Any]:
        """This model bound to the reply task it plays (`graph.llm.port.TaskAware`)."""
        return self.bind(task=task.model_dump())

    @property
    def _llm_type(self) -> str:
        return OFFLINE_MODEL_NAME

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": OFFLINE_MODEL_NAME, "token_delay": self.token_delay}

    def _reply(self, messages: Sequence[BaseMessage], stop: list[str] | None, **kwargs: Any) -> str:
        task = kwargs.get("task")
        if task is None:
            text = playground_reply(messages)
        elif isinstance(task, ReplyTask | Mapping):
            text = render_reply(task)
        elif isinstance(task, str):
            text = render_reply(ReplyTask.model_validate_json(task))
        else:
            # A wrong type is a bug in the caller; failing loudly beats a silent wrong reply.
            raise TypeError(f"task must be a ReplyTask, a mapping or JSON, not {type(task)!r}")
        return _apply_stop(text, stop)

    @staticmethod
    def _chunk(piece: str, last: bool) -> ChatGenerationChunk:
        info = {"finish_reason": "stop", "model_name": OFFLINE_MODEL_NAME} if last else None
        return ChatGenerationChunk(message=AIMessageChunk(content=piece), generation_info=info)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._reply(messages, stop, **kwargs)
        generation = ChatGeneration(
            message=AIMessage(content=text),
            generation_info={"finish_reason": "stop", "model_name": OFFLINE_MODEL_NAME},
        )
        return ChatResult(generations=[generation])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Rendering is pure CPU work measured in microseconds: no need for the base class's
        # thread-pool hop.
        return self._generate(messages, stop, None, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        pieces = _pieces(self._reply(messages, stop, **kwargs))
        for index, piece in enumerate(pieces):
            if index and self.token_delay:
                time.sleep(self.token_delay)
            yield self._chunk(piece, last=index == len(pieces) - 1)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        pieces = _pieces(self._reply(messages, stop, **kwargs))
        for index, piece in enumerate(pieces):
            if index and self.token_delay:
                await asyncio.sleep(self.token_delay)
            yield self._chunk(piece, last=index == len(pieces) - 1)
