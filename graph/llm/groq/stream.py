"""ChatGroq with a lean streaming path: one LangChain chunk per network read, not per token.

`ChatGroq._astream` lets the groq SDK build a pydantic `ChatCompletionChunk` for every streamed
token, dumps it back to a dict, and then LangChain builds a message chunk, runs the callbacks and
merges it into the running generation, again per token. Profiled under load that was the largest
single cost of a turn (a third of the server's CPU with a zero-latency LLM).

`LeanChatGroq` keeps everything else of the real client: `ChatGroq` builds the request (message
conversion, parameters), the groq SDK sends it (auth, retries, timeouts, status errors mapped to
`groq.RateLimitError` and friends). Only the body of the streamed response is read here: the
server-sent events that arrived together in one read are parsed with `orjson` and become one chunk
carrying their joined text. The first token is passed on as soon as it arrives; after it, the
body is read at most every `read_interval` seconds (INTERVIEWER_STREAM_FLUSH_MS, the same
interval the API already gathers tokens over before writing them to the client), so the tokens
of that interval arrive in one read and cost one trip through httpx, LangChain, LangGraph and the
HTTP response instead of one each.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk
from langchain_groq import ChatGroq

from graph.llm.groq.transport import is_per_read
from graph.llm.http_client import MarksCuts

_PLAIN_DELTA_KEYS = frozenset({"role", "content"})


class LeanChatGroq(ChatGroq):
    """`ChatGroq` whose async stream parses the SSE body itself (see the module docstring)."""

    read_interval: float = 0.0
    """Seconds between reads of the body after the first token (0: read as data comes)."""

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        message_dicts, params = self._create_message_dicts(messages, stop)
        params = {**params, **kwargs, "stream": True}
        stream = await self.async_client.create(**_untransformed(message_dicts, params))
        events = SseEvents()
        reads = _Reads(stream.response.aiter_bytes())
        # With the lean transport a body piece is a socket read, so the reader itself waits
        # between reads and the kernel gathers the tokens: one wake-up per interval. Over
        # httpcore a piece is one HTTP chunk (one token), read as it comes, and only the
        # chunks handed on are gathered, by waiting here.
        per_read = is_per_read(stream.response)
        try:
            while batch := await reads.next_batch():
                chunk, error = self._chunk_of(events.feed(batch), params, stream.response.request)
                if chunk is not None:
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
                    if self.read_interval > 0 and chunk.text:
                        # The first token has left: the tokens of each next interval leave
                        # as one.
                        if per_read:
                            reads.gather(self.read_interval)
                        else:
                            await asyncio.sleep(self.read_interval)
                if error is not None:
                    # After the tokens that came before it, as ChatGroq raises it.
                    raise error
                if events.done:
                    break
        finally:
            await reads.aclose()
            await stream.close()

    def _chunk_of(
        self, batch: list[dict[str, Any]], params: dict[str, Any], request: Any
    ) -> tuple[ChatGenerationChunk | None, Exception | None]:
        """One chunk for the events of one read (None when they carry nothing), and the error
        an event of the read reported (the events after it are not read)."""
        texts: list[str] = []
        generation_info: dict[str, Any] = {}
        usage: UsageMetadata | None = None
        error: Exception | None = None
        for event in batch:
            error = _error_of(event, request)
            if error is not None:
                break
            choices = event.get("choices") or []
            if not choices:
                continue
            choice = choices[0]
            delta = choice.get("delta") or {}
            if not _PLAIN_DELTA_KEYS.issuperset(k for k, v in delta.items() if v is not None):
                # Tool calls, reasoning, ...: the interviewer asks for none of these, so they
                # are refused rather than silently half-parsed.
                raise ValueError(f"unsupported streamed delta fields: {sorted(delta)}")
            if delta.get("content"):
                texts.append(delta["content"])
            if finish_reason := choice.get("finish_reason"):
                generation_info = self._generation_info(finish_reason, event, params)
            if raw_usage := (event.get("x_groq") or {}).get("usage"):
                usage = _usage_metadata(raw_usage)
        if not texts and not generation_info and usage is None:
            return None, error
        message = AIMessageChunk(
            content="".join(texts),
            usage_metadata=usage,
            response_metadata={"model_provider": "groq", **generation_info},
        )
        return ChatGenerationChunk(message=message, generation_info=generation_info or None), error

    def _generation_info(
        self, finish_reason: str, event: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        # The same fields ChatGroq puts on its last chunk.
        info: dict[str, Any] = {"finish_reason": finish_reason, "model_name": self.model_name}
        if fingerprint := event.get("system_fingerprint"):
            info["system_fingerprint"] = fingerprint
        info["service_tier"] = params.get("service_tier") or self.service_tier
        if effort := params.get("reasoning_effort") or self.reasoning_effort:
            info["reasoning_effort"] = effort
        return info


class ReplyChatGroq(MarksCuts, LeanChatGroq):
    """The interviewer's reply model: a connection lost after the reply started is a cut
    stream (`StreamCut`), not an LLM that never answered."""


_REQUEST_OPTIONS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})


def _untransformed(message_dicts: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """`create()` arguments that send the same JSON body without the SDK re-walking it.

    The groq SDK passes every typed argument through `async_maybe_transform`, which walks the
    values against its TypedDicts: measured at 1-2 ms per request for our two-message prompt,
    a tenth of a turn's CPU, to change nothing (ChatGroq's message dicts and parameters are plain
    JSON already). Sent as `extra_body`, the SDK's documented pass-through, they are merged into
    the body as they are. Only what the SDK itself reads stays typed: `model`, `stream` (it picks
    the stream class) and the request options.
    """
    body = {k: v for k, v in params.items() if k not in _REQUEST_OPTIONS}
    options = {k: v for k, v in params.items() if k in _REQUEST_OPTIONS}
    extra = dict(options.pop("extra_body", None) or {})
    model, stream = body.pop("model"), body.pop("stream")
    return {
        **options,
        "model": model,
        "stream": stream,
        "messages": [],  # required by the signature; the body's `messages` below wins
        "extra_body": {**body, "messages": message_dicts, **extra},
    }


class _Reads:
    """The body read by a task of its own, so whatever arrived meanwhile is taken at once.

    httpx hands out one piece per HTTP chunk, and the stream sends one chunk per token, so
    reading later alone would not merge them; gathering them here does, without ever holding
    back data that has arrived (`next_batch` returns as soon as there is any).
    """

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self._source = source
        self._parts: list[bytes] = []
        self._arrived = asyncio.Event()
        self._ended = False
        self._error: BaseException | None = None
        self._pause = 0.0
        self._task = asyncio.ensure_future(self._pump())

    def gather(self, interval: float) -> None:
        """From now on, wait `interval` seconds after each piece before reading the next (for
        sources whose pieces are socket reads: what arrives meanwhile comes in one read)."""
        self._pause = interval

    async def _pump(self) -> None:
        try:
            async for data in self._source:
                self._parts.append(data)
                self._arrived.set()
                if self._pause > 0:
                    await asyncio.sleep(self._pause)
        except Exception as exc:  # handed to the reader, which raises it in its own frame
            self._error = exc
        finally:
            self._ended = True
            self._arrived.set()

    async def next_batch(self) -> bytes:
        """Everything that arrived since the last call (waits for some); b"" at the end."""
        while not self._parts:
            if self._error is not None:
                raise self._error
            if self._ended:
                return b""
            self._arrived.clear()
            await self._arrived.wait()
        batch, self._parts = b"".join(self._parts), []
        return batch

    async def aclose(self) -> None:
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


class SseEvents:
    """An incremental server-sent-events decoder: bytes in, the complete events' JSON out."""

    def __init__(self) -> None:
        self._buffer = b""
        self.done = False
        """`data: [DONE]` was seen: the stream is over."""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """The events completed by `data` (an event ends at a blank line)."""
        buffer = self._buffer + data
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n")
        *complete, self._buffer = buffer.split(b"\n\n")
        out: list[dict[str, Any]] = []
        for block in complete:
            if self.done:
                break
            if block.startswith(b"data: ") and b"\n" not in block:
                # The one shape Groq sends: a single `data:` line (no event name).
                name, payload = None, block[6:]
            else:
                name, text = _parse_event(block)
                if text is None:
                    continue
                payload = text.encode()
            if payload.startswith(b"[DONE]"):
                self.done = True
                continue
            parsed = orjson.loads(payload)  # 5x json's speed, per token
            if name == "error" and isinstance(parsed, dict) and "error" not in parsed:
                parsed = {"error": parsed}
            out.append(parsed if isinstance(parsed, dict) else {"error": parsed})
        return out


def _parse_event(block: bytes) -> tuple[str | None, str | None]:
    name: str | None = None
    data: list[str] = []
    for line in block.decode().split("\n"):
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            name = line[6:].strip()
    return name, "\n".join(data) if data else None


def _error_of(event: dict[str, Any], request: Any) -> Exception | None:
    # As the groq SDK raises for an error event in a stream (the status was already 200).
    error = event.get("error")
    if not error:
        return None
    import groq

    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        message = "An error occurred during streaming"
    return groq.APIError(message=message, request=request, body=error)


def _usage_metadata(usage: dict[str, Any]) -> UsageMetadata:
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    return UsageMetadata(
        input_tokens=prompt,
        output_tokens=completion,
        total_tokens=int(usage.get("total_tokens") or prompt + completion),
    )
