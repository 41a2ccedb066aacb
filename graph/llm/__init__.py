"""The LLM port: the one way the interview and the evaluation reach a language model.

Callers use what this package exports; the adapters behind it (`groq/`, `openai/`,
`offline/`) are chosen by the registry from `INTERVIEWER_LLM`. Only the adapters (and the
HTTP helpers they share, `http_client.py`) import an LLM SDK, httpx or httptools: an
import-linter contract in pyproject.toml (run by `make lint`) keeps it so.
"""

from graph.llm.errors import (
    FAILURE_KINDS,
    FailureKind,
    LLMConfigError,
    LLMError,
    LLMFailure,
    PromptTooLarge,
    StreamCut,
)
from graph.llm.port import (
    DECISION_TAG,
    MODEL_NAME,
    REPLY_TAG,
    ChatProvider,
    ProviderInfo,
    StructuredCall,
    ensure_fits,
    estimate_tokens,
)
from graph.llm.registry import (
    PROVIDERS,
    classify_failure,
    describe,
    judge_model,
    reply_model,
    resolve,
    structured_model,
)

__all__ = [
    "DECISION_TAG",
    "FAILURE_KINDS",
    "MODEL_NAME",
    "PROVIDERS",
    "REPLY_TAG",
    "ChatProvider",
    "FailureKind",
    "LLMConfigError",
    "LLMError",
    "LLMFailure",
    "PromptTooLarge",
    "ProviderInfo",
    "StreamCut",
    "StructuredCall",
    "classify_failure",
    "describe",
    "ensure_fits",
    "estimate_tokens",
    "judge_model",
    "reply_model",
    "resolve",
    "structured_model",
]
