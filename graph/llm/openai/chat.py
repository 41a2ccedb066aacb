"""The reply model of the OpenAI-compatible adapter (imports langchain-openai: load lazily)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai.chat_models.base import BaseChatOpenAI

from graph.llm.http_client import connection_broke, cut_marked


def _broke(exc: BaseException) -> bool:
    # The openai SDK wraps a connection lost mid-stream in APIConnectionError (of which its
    # timeout error is a subclass); langchain-openai wraps that once more.
    if isinstance(exc, openai.APIConnectionError):
        return not isinstance(exc, openai.APITimeoutError)
    return connection_broke(exc)


class ReplyChatOpenAI(BaseChatOpenAI):
    """`BaseChatOpenAI` whose stream says so when the connection breaks after the reply
    started (`StreamCut`), instead of passing on httpx's error as an unreachable server's."""

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        chunks = super()._astream(messages, stop, run_manager, **kwargs)
        async for chunk in cut_marked(chunks, _broke):  # type: ignore[arg-type]
            yield chunk
