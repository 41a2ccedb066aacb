"""The reply model of the OpenAI-compatible adapter (imports langchain-openai: load lazily)."""

from __future__ import annotations

import openai
from langchain_openai.chat_models.base import BaseChatOpenAI

from graph.llm.http_client import MarksCuts, connection_broke


class ReplyChatOpenAI(MarksCuts, BaseChatOpenAI):
    """`BaseChatOpenAI` whose stream says so when the connection breaks after the reply
    started (`StreamCut`), instead of passing the SDK's error on as an unreachable server's."""

    @staticmethod
    def broke(exc: BaseException) -> bool:
        # The openai SDK wraps a connection lost mid-stream in APIConnectionError (its timeout
        # error is a subclass), and langchain-openai wraps that once more.
        if isinstance(exc, openai.APIConnectionError):
            return not isinstance(exc, openai.APITimeoutError)
        return connection_broke(exc)
