"""The HTTP side shared by the adapters that reach their LLM over HTTP (groq, openai).

Both SDKs talk through an `httpx.AsyncClient` and retry on their own (they are the one retry
layer); this module gives them one pooled client per event loop and settings, clips a 429's
long retry-after before the SDK obeys it, remembers the wait the provider asked for, and says
what httpx's own exceptions mean. Like the adapters, it is one of the few modules allowed to
import httpx (the import contract in pyproject.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from graph.llm.errors import LLMFailure, StreamCut

T = TypeVar("T")

ORIGINAL_RETRY_AFTER = "interviewer_retry_after"
"""Key, in an httpx response's `extensions`, of the 429's wait before `retry_after_cap`."""

_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, Any]]
_per_loop = weakref.WeakKeyDictionary()


def per_loop(key: Hashable, build: Callable[[], T]) -> T:
    """The object cached under `key` for the running event loop, built on first use.

    An httpx pool belongs to the loop that opened it, so clients, and the models holding them,
    are cached per loop; a loop that ends takes its cache with it.
    """
    cache = _per_loop.setdefault(asyncio.get_running_loop(), {})
    try:
        return cache[key]
    except KeyError:
        value = cache[key] = build()
        return value


@dataclass(frozen=True)
class PoolConfig:
    """One connection pool: what its requests wait for, and the transport it runs on."""

    timeout: float
    max_retry_wait: float
    transport: str = "httpx"
    """A name the adapter's `transport_factory` understands ("httpx": httpx's default)."""


def pooled_client(
    config: PoolConfig,
    transport_factory: Callable[[str], httpx.AsyncBaseTransport | None] | None = None,
) -> httpx.AsyncClient:
    """The running loop's client for `config`: one pool for every session, since connection
    reuse is most of a turn's client-side cost, holding as many streams as the process runs
    turns at once."""

    def build() -> httpx.AsyncClient:
        transport = transport_factory(config.transport) if transport_factory else None
        return httpx.AsyncClient(
            timeout=httpx.Timeout(config.timeout, connect=5.0),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=500),
            event_hooks={"response": [retry_after_cap(config.max_retry_wait)]},
            transport=transport,
        )

    return per_loop(("http", config), build)


def retry_after_cap(max_wait: float) -> Callable[[httpx.Response], Awaitable[None]]:
    """A response hook clipping a 429's wait to `max_wait` seconds.

    The SDK is the one retry layer and obeys retry-after up to 60 s; a candidate waiting for a
    reply should not, so longer waits are clipped before the SDK reads them. The wait as sent is
    kept in the response's extensions (`rate_limit_wait` reads it).
    """

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


def rate_limit_wait(response: Any) -> int | None:
    """Whole seconds a 429 asked to wait (before our cap clipped it for the SDK), if it said."""
    if not isinstance(response, httpx.Response):
        return None
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


def classify_sdk(exc: BaseException, sdk: Any) -> LLMFailure | None:
    """The failure `exc` means if the SDK module `sdk` raised it.

    groq's and openai's SDKs are generated alike and share one exception hierarchy
    (RateLimitError, BadRequestError, ... under APIError), so one mapping serves both; each
    adapter passes its own module.
    """
    if isinstance(exc, sdk.RateLimitError):
        return LLMFailure("rate_limited", retry_after=rate_limit_wait(exc.response))
    if isinstance(exc, sdk.BadRequestError | sdk.UnprocessableEntityError):
        return LLMFailure("rejected", detail=exc.message)
    if isinstance(exc, sdk.APITimeoutError):
        return LLMFailure("timed_out", detail=exc.message)
    if isinstance(exc, sdk.APIError):
        # 5xx, refused connections, auth failures and errors reported inside the stream.
        return LLMFailure("unavailable", detail=exc.message)
    return None


def classify_transport(exc: BaseException) -> LLMFailure | None:
    """httpx's own failures, which both SDKs let through unwrapped while a stream is read."""
    if isinstance(exc, httpx.TimeoutException):
        return LLMFailure("timed_out", detail=type(exc).__name__)
    if isinstance(exc, httpx.TransportError):
        return LLMFailure("unavailable", detail=type(exc).__name__)
    return None


def connection_broke(exc: BaseException) -> bool:
    """Whether `exc` is httpx's word for a connection that failed other than by a timeout."""
    return isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.TimeoutException)


class MarksCuts:
    """Mixin for a streaming chat model class (`class Reply(MarksCuts, SomeChat)`): its stream
    goes through `cut_marked`, with `broke` telling the SDK's word for a lost connection."""

    @staticmethod
    def broke(exc: BaseException) -> bool:
        return connection_broke(exc)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        chunks = super()._astream(messages, stop, run_manager, **kwargs)  # type: ignore[misc]
        async for chunk in cut_marked(chunks, self.broke):
            yield chunk


async def cut_marked(
    chunks: AsyncGenerator[ChatGenerationChunk, None],
    broke: Callable[[BaseException], bool] = connection_broke,
) -> AsyncIterator[ChatGenerationChunk]:
    """`chunks` as they come, with a connection that breaks once the reply has started (as
    `broke` recognises the SDK's error for it) raised as `StreamCut`, the error chained: a reply
    cut mid-way, not an LLM that never answered. A timeout stays a timeout."""
    started = False
    async with contextlib.aclosing(chunks):
        try:
            async for chunk in chunks:
                started = started or bool(chunk.text)
                yield chunk
        except Exception as exc:
            if started and broke(exc):
                raise StreamCut(f"the reply's stream broke off: {exc}") from exc
            raise
