"""The one LLM factory: Groq when a key is configured, else the built-in offline interviewer.

Models are cached per parameter set: building a ChatGroq builds HTTP clients and connection
pools, which a hot path must not do every turn.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import weakref
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any, Literal

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from graph.context import Context, Provider
from graph.state import InterviewSettings
from graph.tasks import ReplyTask

MODEL_NAME = "llama-3.3-70b-versatile"
REPLY_TAG = "interviewer_reply"
"""Tag on the LLM call whose tokens are the interviewer's words; every other call is internal."""
DECISION_TAG = "follow_up_decision"
"""Tag on the LLM judge's call (`INTERVIEWER_FOLLOW_UP=llm`): internal, never streamed."""
DECISION_MAX_TOKENS = 200
"""Room for one judgement: an action, a kind and a one-sentence reason."""

ServingProvider = Literal["groq", "offline"]

logger = logging.getLogger(__name__)


class LLMConfigError(RuntimeError):
    """The operator asked for a provider that cannot be built (e.g. Groq without a key)."""


class PromptTooLarge(ValueError):
    """A request that could never fit the model's context window; it is not sent."""


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


def _retry_after_cap(max_wait: float) -> Callable[[httpx.Response], Awaitable[None]]:
    # The Groq SDK is the one retry layer and obeys retry-after up to 60 s; a candidate
    # waiting for a reply should not, so longer waits are clipped before the SDK reads them.
    async def clip(response: httpx.Response) -> None:
        if response.status_code != 429:
            return
        response.extensions[ORIGINAL_RETRY_AFTER] = {
            name: response.headers[name]
            for name in ("retry-after", "retry-after-ms")
            if name in response.headers
        }
        seconds = response.headers.get("retry-after")
        if seconds is not None:
            try:
                if float(seconds) > max_wait:
                    response.headers["retry-after"] = f"{max_wait:g}"
            except ValueError:
                response.headers["retry-after"] = f"{max_wait:g}"
        millis = response.headers.get("retry-after-ms")
        if millis is not None:
            try:
                if float(millis) > max_wait * 1000:
                    response.headers["retry-after-ms"] = f"{max_wait * 1000:g}"
            except ValueError:
                del response.headers["retry-after-ms"]

    return clip


def resolve_provider(choice: Provider) -> ServingProvider:
    """Which provider serves replies for the configured choice and the environment."""
    has_key = bool(os.environ.get("GROQ_API_KEY"))
    if choice == "offline":
        return "offline"
    if choice == "groq":
        if not has_key:
            raise LLMConfigError("INTERVIEWER_LLM=groq needs GROQ_API_KEY to be set")
        return "groq"
    return "groq" if has_key else "offline"


def describe_provider(choice: Provider) -> dict[str, Any]:
    """What /model-info and the start-up log say about the serving model."""
    provider = resolve_provider(choice)
    if provider == "groq":
        return {
            "provider": "groq",
            "api_base": os.environ.get("GROQ_API_BASE") or "https://api.groq.com",
            "offline": False,
        }
    return {"provider": "offline", "api_base": None, "offline": True}


def _http_client(timeout: float, max_retry_wait: float, transport: str) -> httpx.AsyncClient:
    # One pool for every session: connection reuse is most of a turn's client-side cost, and
    # the pool must hold as many streams as the process runs turns at once.
    from graph.llm.groq.transport import transport_for

    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=5.0),
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=500),
        event_hooks={"response": [_retry_after_cap(max_retry_wait)]},
        transport=transport_for(transport),
    )


GroqKey = tuple[float, float, int, int, float, float, str, str | None, float, str]
"""temperature, top_p, max_tokens, retries, timeout, max retry wait, key, base URL, read
interval, HTTP transport."""


class _LoopCache:
    """Clients and models of one event loop: an httpx pool belongs to the loop that opened it."""

    def client(self, timeout: float, max_retry_wait: float, transport: str) -> httpx.AsyncClient:
        key = (timeout, max_retry_wait, transport)
        client = self.clients.get(key)
        if client is None:
            client = self.clients[key] = _http_client(*key)
        return client

    def __init__(self) -> None:
        self.clients: dict[tuple[float, float, str], httpx.AsyncClient] = {}
        self.models: dict[GroqKey, BaseChatModel] = {}
        self.judges: dict[GroqKey, Runnable[Any, Any]] = {}
        self.evaluators: dict[GroqKey, BaseChatModel] = {}


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopCache]
_per_loop = weakref.WeakKeyDictionary()


def _groq_model(key: GroqKey) -> BaseChatModel:
    cache = _per_loop.setdefault(asyncio.get_running_loop(), _LoopCache())
    model = cache.models.get(key)
    if model is None:
        client = cache.client(key[4], key[5], key[9])
        model = cache.models[key] = _build_groq(*key[:9], http_client=client)
    return model


def _judge_model(key: GroqKey) -> Runnable[Any, Any]:
    """The judge: the reply model's connection pool, not streaming, deterministic, short."""
    from langchain_groq import ChatGroq

    from graph.state import FollowUpJudgement

    cache = _per_loop.setdefault(asyncio.get_running_loop(), _LoopCache())
    judge = cache.judges.get(key)
    if judge is None:
        client = cache.client(key[4], key[5], key[9])
        base = ChatGroq(
            model=MODEL_NAME,
            temperature=0.0,
            max_tokens=DECISION_MAX_TOKENS,
            max_retries=0,  # a slow judge falls back to the rules; it is not worth a retry
            timeout=key[4],
            api_key=key[6],  # type: ignore[arg-type]
            base_url=key[7],
            streaming=False,
            http_async_client=client,
        )
        judge = cache.judges[key] = base.with_structured_output(
            FollowUpJudgement, method="function_calling", include_raw=True
        )
    return judge


def evaluation_model(context: Context, max_tokens: int) -> BaseChatModel:
    """Groq for the report's evaluator: the shared pool, temperature 0, not streaming."""
    from langchain_groq import ChatGroq

    if resolve_provider(context.llm) != "groq":
        raise LLMConfigError("the LLM evaluator needs the groq provider")
    timeout, max_retry_wait = context.groq_timeout, context.groq_max_retry_wait
    key: GroqKey = (
        0.0,
        1.0,
        max_tokens,
        context.groq_max_retries,
        timeout,
        max_retry_wait,
        os.environ["GROQ_API_KEY"],
        os.environ.get("GROQ_API_BASE") or None,
        0.0,  # no stream to read: the evaluator's calls are not streamed
        context.groq_http,
    )
    cache = _per_loop.setdefault(asyncio.get_running_loop(), _LoopCache())
    model = cache.evaluators.get(key)
    if model is None:
        client = cache.client(timeout, max_retry_wait, context.groq_http)
        model = cache.evaluators[key] = ChatGroq(
            model=MODEL_NAME,
            temperature=0.0,
            max_tokens=max_tokens,
            max_retries=context.groq_max_retries,
            timeout=timeout,
            api_key=key[6],  # type: ignore[arg-type]
            base_url=key[7],
            streaming=False,
            http_async_client=client,
        )
    return model


def _build_groq(
    temperature: float,
    top_p: float,
    max_tokens: int,
    max_retries: int,
    timeout: float,
    max_retry_wait: float,
    api_key: str,
    base_url: str | None,
    read_interval: float,
    *,
    http_client: httpx.AsyncClient,
) -> BaseChatModel:
    # ChatGroq with a cheaper stream reader (one chunk per network read, not per token); the
    # request, retries and error mapping are still ChatGroq's and the groq SDK's.
    from graph.llm.groq.stream import LeanChatGroq

    return LeanChatGroq(
        model=MODEL_NAME,
        temperature=temperature,
        max_tokens=max_tokens,
        model_kwargs={"top_p": top_p},
        max_retries=max_retries,
        timeout=timeout,
        api_key=api_key,  # type: ignore[arg-type]
        base_url=base_url,
        streaming=True,
        http_async_client=http_client,
        read_interval=read_interval,
    )


@lru_cache(maxsize=8)
def _offline_model(token_delay: float) -> BaseChatModel:
    from graph.llm.offline.composers import OfflineInterviewerModel

    return OfflineInterviewerModel(token_delay=token_delay)


def chat_model(context: Context, settings: InterviewSettings) -> BaseChatModel:
    """The bare chat model for this session's temperature and top_p."""
    if context.model is not None:
        return context.model
    if resolve_provider(context.llm) == "groq":
        return _groq_model(
            (
                settings.temperature,
                settings.top_p,
                context.max_tokens,
                context.groq_max_retries,
                context.groq_timeout,
                context.groq_max_retry_wait,
                os.environ["GROQ_API_KEY"],
                os.environ.get("GROQ_API_BASE") or None,
                context.stream_flush_ms / 1000,
                context.groq_http,
            )
        )
    return _offline_model(context.offline_token_delay)


def reply_model(
    context: Context, settings: InterviewSettings, task: ReplyTask
) -> Runnable[Any, Any]:
    """The model that speaks the interviewer's reply for `task`, tagged as the reply call.

    The offline model plays the interviewer from facts, so it also receives the task itself; a
    real LLM receives only the rendered prompt.
    """
    model: Runnable[Any, Any] = chat_model(context, settings)
    from graph.llm.offline.composers import OfflineInterviewerModel

    if isinstance(model, OfflineInterviewerModel):
        model = model.bind(task=task.model_dump())
    return model.with_config(tags=[REPLY_TAG], metadata={"reply_kind": task.kind})


def decision_model(context: Context, settings: InterviewSettings) -> Runnable[Any, Any] | None:
    """The LLM judge of follow-ups as a structured-output runnable, or None offline.

    Tagged `nostream` (LangGraph leaves the call out of its "messages" stream) and with
    DECISION_TAG, never REPLY_TAG: only the interviewer's words may reach a client, and the API
    forwards only the custom-stream tokens the speaking nodes write.
    """
    from langgraph.constants import TAG_NOSTREAM

    from graph.state import FollowUpJudgement

    judge: Runnable[Any, Any]
    if context.model is not None:
        try:
            judge = context.model.with_structured_output(FollowUpJudgement, include_raw=True)
        except NotImplementedError:
            return None
    elif resolve_provider(context.llm) == "groq":
        judge = _judge_model(
            (
                0.0,
                1.0,
                DECISION_MAX_TOKENS,
                0,
                context.groq_timeout,
                context.groq_max_retry_wait,
                os.environ["GROQ_API_KEY"],
                os.environ.get("GROQ_API_BASE") or None,
                0.0,  # read interval: the judge's answer is not streamed
                context.groq_http,
            )
        )
    else:
        return None
    return judge.with_config(
        tags=[DECISION_TAG, TAG_NOSTREAM], run_name="judge_follow_up", metadata={"internal": True}
    )


def classify_error(exc: BaseException) -> dict[str, Any]:
    """A client-facing error: a code, a message, whether sending again can help and, when the
    LLM said how long to wait, `retry_after` in seconds. Never a stack trace."""
    import groq

    if isinstance(exc, PromptTooLarge):
        return {
            "code": "prompt_too_large",
            "message": f"Request refused: {exc}.",
            "retryable": False,
        }
    if isinstance(exc, groq.RateLimitError):
        error: dict[str, Any] = {
            "code": "llm_rate_limited",
            "message": "The language model is rate limited.",
            "retryable": True,
        }
        wait = _rate_limit_wait(exc.response)
        if wait is not None:
            error["retry_after"] = wait
        return error
    if isinstance(exc, groq.BadRequestError | groq.UnprocessableEntityError):
        # The LLM refused this request as such: the same request would be refused again.
        return {
            "code": "llm_rejected",
            "message": "The language model rejected the request.",
            "retryable": False,
        }
    if isinstance(exc, groq.APITimeoutError | httpx.TimeoutException):
        return {
            "code": "llm_timeout",
            "message": "The language model timed out.",
            "retryable": True,
        }
    if isinstance(exc, TimeoutError):
        return {
            "code": "llm_timeout",
            "message": "The reply did not finish within the turn deadline.",
            "retryable": True,
        }
    if isinstance(exc, groq.APIError | httpx.TransportError):
        return {
            "code": "llm_unavailable",
            "message": "The language model is unavailable.",
            "retryable": True,
        }
    return {
        "code": "turn_failed",
        "message": "The turn failed; send the same message again.",
        "retryable": True,
    }


ORIGINAL_RETRY_AFTER = "interviewer_retry_after"
"""Key, in an httpx response's `extensions`, of the 429's wait before `_retry_after_cap`."""


def _rate_limit_wait(response: httpx.Response) -> int | None:
    """Whole seconds a 429 asked to wait (before our cap clipped it for the SDK), if it said."""
    headers = response.extensions.get(ORIGINAL_RETRY_AFTER) or response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            seconds = float(raw) * scale
        except ValueError:
            continue  # an HTTP date: rare from an LLM API, and not worth a parser here
        if math.isfinite(seconds) and seconds >= 0:
            return max(1, math.ceil(seconds))
    return None
