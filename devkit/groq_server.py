"""A Groq-protocol chat-completions server for tests and benchmarks (loopback only).

The service talks to Groq through the real ``langchain_groq.ChatGroq`` client; tests and the
benchmark point that client at this server instead of mocking it, so everything between
LangChain and the socket (the ``groq`` SDK, its retries, SSE parsing, httpx) really runs.

Wire protocol (matched against the installed ``groq`` 0.37 SDK and ``langchain-groq`` 1.1):

* ``base_url`` is the bare origin, ``http://127.0.0.1:PORT``: the SDK appends
  ``/openai/v1/chat/completions`` itself, so a base URL ending in ``/openai/v1`` gets a
  Groq-style 404 ``unknown_url`` here (as it would from Groq).
* ``POST /openai/v1/chat/completions``: non-streaming answers are ``chat.completion`` objects
  with ``usage``; streaming answers are SSE ``data: {chat.completion.chunk}`` events ending in
  ``data: [DONE]``. The first chunk carries ``delta.role`` and ``x_groq.id``; the last one has
  ``finish_reason`` and the usage in ``x_groq.usage``, which is the only place
  ``ChatGroq`` reads streaming usage from (1.1.3 has no ``stream_usage`` switch; Groq always
  sends it). A request with ``stream_options.include_usage`` (only reachable through the SDK's
  ``extra_body``) also gets an OpenAI-style trailing chunk with ``choices: []`` and ``usage``.
* ``GET /openai/v1/models`` and ``GET /openai/v1/models/{id}``.
* The same three routes under ``/v1`` (``POST /v1/chat/completions``, ...): the path layout of
  OpenAI-compatible servers (vLLM, Ollama, llama.cpp), so a client of any of them can be pointed
  at ``OPENAI_BASE_URL`` = ``http://127.0.0.1:PORT/v1`` (:attr:`GroqStubServer.openai_base_url`).
  Those servers name the model as they load it; the stub also accepts
  ``OPENAI_COMPATIBLE_MODEL_ID``, vLLM's name for Llama 3.3 70B.
* Every ``/openai`` route requires ``Authorization: Bearer <non-empty>`` (else 401
  ``invalid_api_key``). Errors use Groq's body ``{"error": {"message", "type", "code"}}``.

Token accounting (approximate, but consistent so tests can predict it):

* prompt tokens = sum over messages of ``ceil(len(text) / 4) + 4``, where ``text`` is the
  message's string content (or the concatenated ``text`` parts of list content) plus the JSON
  of its ``tool_calls`` if any; ``tools`` and other request fields are not counted. See
  :func:`count_prompt_tokens`.
* completion tokens = content pieces streamed, one whitespace-prefixed word per piece
  (``re.findall(r"\\s*\\S+", reply)``), so one chunk is one token.
* ``max_tokens`` (or ``max_completion_tokens``) caps the pieces; hitting it gives
  ``finish_reason="length"``. If ``prompt_tokens + max_tokens > max_context_tokens`` the
  request gets 400 ``context_length_exceeded``.

Structured output (what ``with_structured_output`` sends): a request with ``tools`` whose
``tool_choice`` names a function (or is ``"required"`` with one tool) is answered with one tool
call to that function, ``finish_reason="tool_calls"``; a request with ``response_format`` of type
``json_schema`` or ``json_object`` is answered with the JSON as content. The arguments are
``StubConfig.structured_reply`` when set, else the smallest object the function's JSON schema
allows (first enum value, first ``anyOf`` branch that is not null, ``"stub"`` for strings, 0,
false, []; numbers at their ``minimum`` when the schema has one). Streaming requests get the tool
call in one delta chunk. Completion tokens are the whitespace-separated pieces of the arguments
JSON.

Scripted structured replies come first: the next one queued (FIFO, through
:meth:`GroqStubServer.add_structured_replies` or ``POST /_control/structured``), else the
in-process :attr:`GroqStubServer.responder` (called with the request body, returns a reply),
else the above. A reply is ``{"arguments": {...}}`` (the tool call's arguments, or the JSON
content), ``{"raw": "..."}`` (sent verbatim as the arguments string or the content, e.g. invalid
JSON) or ``{"content": "..."}`` (a prose answer without any tool call). Replies are never edited:
a scripted reply with an invented quote reaches the client exactly as queued.

Replies are deterministic: an acknowledgement paragraph, a blank line, then a question ending in
``?`` that embeds the first 8 hex digits of a SHA-256 of the messages, about ``reply_words``
words in all. They never contain "End of interview".

Timing: headers go out at once; the first content chunk follows after ``ttft`` seconds and the
others ``token_delay`` apart. A non-streaming answer waits ``ttft + token_delay * (n - 1)``.

Faults (FIFO, one consumed by each chat-completions request that passes auth and validation):

* ``{"status": 429, "retry_after": 1.0}``: rate-limit error; ``retry_after`` becomes the
  ``retry-after`` header, optional ``retry_after_ms`` becomes ``retry-after-ms``.
* ``{"status": 500}`` / ``{"status": 503}`` / any 4xx-5xx: Groq-style error body.
  ``"should_retry": false|true`` adds the ``x-should-retry`` header the SDK obeys.
* ``{"cut_after_chunks": 3}``: stream the role chunk and 3 content chunks, then close the TCP
  connection without the terminating HTTP chunk (a non-streaming request gets half its
  ``Content-Length`` body). Streaming consumers get a raw ``httpx.RemoteProtocolError`` (the SDK
  neither wraps nor retries it); non-streaming calls fail inside the SDK's ``send``, which
  retries and finally raises ``groq.APIConnectionError``.
* ``{"error_after_chunks": 3}``: stream the role chunk and 3 content chunks, then an SSE event
  ``data: {"error": {...}}`` (what Groq sends when a generation fails after it started), and end
  the response cleanly (status 200 was already sent). The groq SDK raises ``groq.APIError``.
* ``{"delay": 5.0}``: sleep before answering (before the response headers), to trigger client
  timeouts. It may be combined with ``status`` or ``cut_after_chunks``.

Stats (``GET /_control/stats`` or :attr:`GroqStubServer.stats`): ``requests`` counts every
chat-completions request; ``completed`` those whose full answer went out; totals of prompt and
completion tokens add up completed requests only; ``errors_injected`` counts status and cut
faults (not pure delays); ``client_disconnects`` counts requests abandoned before the end
because the client left (or the in-process server stopped), recorded with status 499.
``per_request`` holds one entry per request (kept until a reset): ``prompt_tokens``,
``completion_tokens`` (pieces actually sent), ``stream``, ``status``, ``fault`` (the consumed
fault or ``None``) and ``retry_count`` (the SDK's ``x-stainless-retry-count`` header).

Control API (no auth, for out-of-process drivers): ``POST /_control/faults`` (JSON list,
appended), ``POST /_control/config`` (JSON object of :class:`StubConfig` fields),
``GET /_control/stats``, ``POST /_control/structured`` (JSON list of structured replies,
appended), ``POST /_control/reset`` (stats, faults and structured replies; config is kept).

Run it out of process with ``python -m devkit.groq_server --port 8100 --ttft-ms 200``;
drive it in process with :class:`GroqStubServer`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import ipaddress
import json
import logging
import math
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from types import TracebackType
from typing import Any, Self, TypedDict

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

__all__ = [
    "MODEL_ID",
    "OPENAI_COMPATIBLE_MODEL_ID",
    "GroqStubServer",
    "StubConfig",
    "StubState",
    "count_prompt_tokens",
    "create_app",
    "main",
    "prompt_digest",
]

MODEL_ID = "llama-3.3-70b-versatile"
OPENAI_COMPATIBLE_MODEL_ID = "meta-llama/Llama-3.3-70B-Instruct"
SUPPORTED_MODELS = frozenset({MODEL_ID, OPENAI_COMPATIBLE_MODEL_ID})
_SYSTEM_FINGERPRINT = "fp_groqstub"
_MODEL_CREATED = 1733447754
_CLIENT_CLOSED_STATUS = 499  # nginx's convention for "client went away before the answer"

logger = logging.getLogger(__name__)


@dataclass
class StubConfig:
    """Behaviour knobs; mutable at run time (read once at the start of each request)."""

    ttft: float = 0.0
    """Seconds between the response headers and the first content chunk."""
    token_delay: float = 0.0
    """Seconds between consecutive content chunks."""
    reply_words: int = 40
    """Approximate length of every reply, in words (= completion tokens)."""
    max_context_tokens: int = 128000
    """Prompt tokens + max_tokens above this answer 400 context_length_exceeded."""
    structured_reply: dict[str, Any] | None = None
    """Arguments of every tool call / JSON reply (None: synthesised from the request's schema)."""


class Fault(TypedDict, total=False):
    """One scripted fault; see the module docstring for the meaning of each key."""

    status: int
    retry_after: float
    retry_after_ms: float
    should_retry: bool
    cut_after_chunks: int
    error_after_chunks: int
    delay: float


_FAULT_KEYS = frozenset(Fault.__annotations__)


def _validate_fault(raw: object) -> Fault:
    """Check one fault spec early, so a typo fails the test that scripts it, not a later one."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"a fault must be a JSON object, got {raw!r}")
    unknown = set(raw) - _FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown fault keys {sorted(unknown)}; allowed: {sorted(_FAULT_KEYS)}")
    fault: Fault = {}
    if "status" in raw:
        status = raw["status"]
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ValueError(f"fault status must be an int in 400..599, got {status!r}")
        fault["status"] = status
    if "cut_after_chunks" in raw:
        cut = raw["cut_after_chunks"]
        if not isinstance(cut, int) or isinstance(cut, bool) or cut < 0:
            raise ValueError(f"cut_after_chunks must be an int >= 0, got {cut!r}")
        fault["cut_after_chunks"] = cut
    if "error_after_chunks" in raw:
        after = raw["error_after_chunks"]
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError(f"error_after_chunks must be an int >= 0, got {after!r}")
        fault["error_after_chunks"] = after
    if sum(key in fault for key in ("status", "cut_after_chunks", "error_after_chunks")) > 1:
        raise ValueError("a fault is one of an error status, a cut or a stream error")
    for key in ("retry_after", "retry_after_ms", "delay"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{key} must be a number >= 0, got {value!r}")
            fault[key] = float(value)
    if "should_retry" in raw:
        if not isinstance(raw["should_retry"], bool):
            raise ValueError("should_retry must be a boolean")
        fault["should_retry"] = raw["should_retry"]
    if not fault:
        raise ValueError(
            "an empty fault does nothing; give status, cut_after_chunks, error_after_chunks"
            " or delay"
        )
    return fault


StructuredReply = dict[str, Any]
"""``{"arguments": {...}}``, ``{"raw": "..."}`` or ``{"content": "..."}`` (see the docstring)."""


def _validate_structured(raw: object) -> StructuredReply:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ValueError(
            "a structured reply is one of {arguments: object}, {raw: str}, {content: str};"
            f" got {raw!r}"
        )
    ((key, value),) = raw.items()
    if key == "arguments" and isinstance(value, Mapping):
        return {"arguments": dict(value)}
    if key in ("raw", "content") and isinstance(value, str):
        return {key: value}
    raise ValueError(f"bad structured reply {raw!r}: arguments must be an object, raw/content text")


def _apply_config_update(config: StubConfig, update: Mapping[str, Any]) -> None:
    """Validate then apply a partial config update (all or nothing)."""
    known = {f.name for f in fields(StubConfig)}
    unknown = set(update) - set(known)
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; allowed: {sorted(known)}")
    checked: dict[str, Any] = {}
    for key, value in update.items():
        if key == "structured_reply":
            if value is not None and not isinstance(value, dict):
                raise ValueError(f"structured_reply must be a JSON object or null, got {value!r}")
            checked[key] = value
            continue
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{key} must be a number >= 0, got {value!r}")
        if key in ("reply_words", "max_context_tokens"):
            if int(value) != value or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
            checked[key] = int(value)
        else:
            checked[key] = float(value)
    for key, value in checked.items():
        setattr(config, key, value)


def _empty_stats() -> dict[str, Any]:
    return {
        "requests": 0,
        "completed": 0,
        "errors_injected": 0,
        "client_disconnects": 0,
        "prompt_tokens_total": 0,
        "completion_tokens_total": 0,
        "per_request": [],
    }


class StubState:
    """Config, fault queue and stats shared by the server loop and the controlling thread.

    The app runs in uvicorn's loop (possibly another thread) while tests mutate from the main
    thread, so every compound read-modify-write happens under one ``threading.Lock``. The lock
    is only ever held for a few dict operations, so taking it inside the event loop is fine.
    """

    def __init__(self, config: StubConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._stats: dict[str, Any] = _empty_stats()
        self._inflight: set[_DisconnectWatch] = set()
        self._structured: deque[StructuredReply] = deque()
        self.responder: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None
        """Answers a structured request when no reply is queued (in-process only)."""

    def add_structured(self, replies: Iterable[object]) -> int:
        """Queue validated structured replies; returns the queue length."""
        checked = [_validate_structured(r) for r in replies]
        with self._lock:
            self._structured.extend(checked)
            return len(self._structured)

    def next_structured(self, body: dict[str, Any]) -> StructuredReply | None:
        """The next queued reply, else the responder's (validated), else None."""
        with self._lock:
            queued = self._structured.popleft() if self._structured else None
        if queued is not None:
            return queued
        responder = self.responder
        return _validate_structured(responder(body)) if responder is not None else None

    def add_faults(self, faults: Iterable[object]) -> int:
        """Append validated faults to the queue; returns the queue length."""
        checked = [_validate_fault(f) for f in faults]
        with self._lock:
            self._faults.extend(checked)
            return len(self._faults)

    def pop_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def begin_request(self) -> None:
        with self._lock:
            self._stats["requests"] += 1

    def finish_request(
        self,
        *,
        prompt_tokens: int,
        completion_tokens: int,
        stream: bool,
        status: int,
        fault: Fault | None,
        retry_count: int | None,
        completed: bool,
    ) -> None:
        injected = fault is not None and any(
            key in fault for key in ("status", "cut_after_chunks", "error_after_chunks")
        )
        entry = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "stream": stream,
            "status": status,
            "fault": dict(fault) if fault is not None else None,
            "retry_count": retry_count,
        }
        with self._lock:
            stats = self._stats
            stats["per_request"].append(entry)
            if injected:
                stats["errors_injected"] += 1
            if status == _CLIENT_CLOSED_STATUS:
                stats["client_disconnects"] += 1
            if completed:
                stats["completed"] += 1
                stats["prompt_tokens_total"] += prompt_tokens
                stats["completion_tokens_total"] += completion_tokens

    def snapshot(self) -> dict[str, Any]:
        """A copy safe to read while the server keeps running."""
        with self._lock:
            snap = dict(self._stats)
            snap["per_request"] = [dict(e) for e in self._stats["per_request"]]
            snap["faults_pending"] = len(self._faults)
            snap["structured_pending"] = len(self._structured)
            snap["config"] = asdict(self.config)
        return snap

    def track(self, watch: _DisconnectWatch) -> None:
        with self._lock:
            self._inflight.add(watch)

    def untrack(self, watch: _DisconnectWatch) -> None:
        with self._lock:
            self._inflight.discard(watch)

    def abort_inflight(self) -> None:
        """Make every waiting request give up now (used when the server stops)."""
        with self._lock:
            watches = list(self._inflight)
        for watch in watches:
            watch.abort()

    def reset(self) -> None:
        """Clear stats, pending faults and structured replies (the config is left alone)."""
        with self._lock:
            self._faults.clear()
            self._structured.clear()
            self._stats = _empty_stats()


# --- token accounting and reply text ----------------------------------------------------------


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        text = "".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    else:
        text = ""
    if message.get("tool_calls"):
        text += json.dumps(message["tool_calls"], separators=(",", ":"), sort_keys=True)
    return text


def count_prompt_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    """Prompt tokens as this server counts them: ``sum(ceil(len(text) / 4) + 4)``."""
    return sum(math.ceil(len(_message_text(m)) / 4) + 4 for m in messages)


def prompt_digest(messages: Sequence[Mapping[str, Any]]) -> str:
    """The 8-hex-digit digest that the reply's question embeds (canonical JSON, SHA-256)."""
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


_ACKS = (
    "Thanks for walking me through that.",
    "That's a helpful answer, thank you.",
    "I appreciate the detail you shared there.",
    "Understood, that gives me useful context.",
    "Great, that paints a clear picture.",
    "Thank you, that was a thoughtful response.",
    "Good, I like how you framed that.",
    "Okay, that makes sense to me.",
)
_FILLERS = (
    "It is useful to hear how you reasoned about the trade-offs involved.",
    "The way you described the constraints tells me a lot about your approach.",
    "I can see how that experience shaped the way you work with a team.",
    "Clear communication about decisions like that matters a great deal in this role.",
    "It sounds like you balanced speed and quality with some care.",
    "Concrete examples like that help me understand your day-to-day work.",
    "I also noticed how you kept the end users in mind throughout.",
    "That kind of ownership is something we value on this team.",
)
_QUESTIONS = (
    "Could you walk me through a specific time you had to {topic}, and what you learned",
    "How would you approach a situation where you needed to {topic}",
    "Can you describe a project where you had to {topic}, and how it turned out",
    "What steps would you take if you were asked to {topic}",
)
_TOPICS = (
    "debug a production issue under time pressure",
    "push back on a requirement you disagreed with",
    "design a system that needed to scale quickly",
    "mentor a less experienced colleague",
    "balance technical debt against new features",
    "learn an unfamiliar technology on a deadline",
    "resolve a disagreement within your team",
    "improve the performance of a slow service",
)
_PIECE_RE = re.compile(r"\s*\S+")

# Everything after ``"delta":`` of a content chunk, pre-encoded once per distinct piece.
_CHUNK_TAIL = b',"logprobs":null,"finish_reason":null}]}\n\n'


@dataclass(frozen=True)
class _Reply:
    text: str
    pieces: tuple[str, ...]
    encoded_deltas: tuple[bytes, ...]


@lru_cache(maxsize=4096)
def _build_reply(digest: str, reply_words: int) -> _Reply:
    """Interviewer-sounding text from the digest; cached because prompts repeat in benchmarks."""
    seed = int(digest, 16)
    question = _QUESTIONS[seed % len(_QUESTIONS)].format(topic=_TOPICS[(seed >> 4) % len(_TOPICS)])
    question = f"{question} (reference {digest})?"
    ack = [_ACKS[(seed >> 8) % len(_ACKS)]]
    budget = reply_words - len(question.split())
    words = len(ack[0].split())
    start = (seed >> 12) % len(_FILLERS)
    i = 0
    # Pad with filler sentences until the word budget is (roughly) met; the question and the
    # acknowledgement are always present so even tiny budgets give a well-formed reply.
    while words < budget:
        sentence = _FILLERS[(start + i) % len(_FILLERS)]
        ack.append(sentence)
        words += len(sentence.split())
        i += 1
    text = " ".join(ack) + "\n\n" + question
    pieces = tuple(_PIECE_RE.findall(text))
    encoded = tuple(b'{"content":' + json.dumps(p).encode() + b"}" + _CHUNK_TAIL for p in pieces)
    return _Reply(text=text, pieces=pieces, encoded_deltas=encoded)


# --- error bodies ------------------------------------------------------------------------------


def _error_json(message: str, type_: str, code: str, *, param: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if param is not None:
        error["param"] = param
    return {"error": error}


def _fault_error(status: int, model: str) -> dict[str, Any]:
    if status == 429:
        return _error_json(
            f"Rate limit reached for model `{model}` in organization `org_groqstub` service tier"
            " `on_demand` on requests per minute (RPM): Limit 30, Used 30, Requested 1."
            " Please try again later.",
            "requests",
            "rate_limit_exceeded",
        )
    if status == 503:
        return _error_json(
            "Service Unavailable: the server is over capacity, please try again later.",
            "internal_server_error",
            "service_unavailable",
        )
    if status >= 500:
        return _error_json(
            "Internal Server Error", "internal_server_error", "internal_server_error"
        )
    return _error_json(f"Injected error {status}", "invalid_request_error", "injected_error")


def _json_bytes(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


async def _send_json(
    send: Send,
    status: int,
    payload: object,
    extra_headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    body = _json_bytes(payload)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# --- abrupt close without a log traceback ---------------------------------------------------

# uvicorn closes the transport when the app returns without finishing its response: exactly the
# truncated read a dying upstream produces. It also logs an error for it; this flag, set in the
# request task's context just before returning (uvicorn logs from that same task), lets a filter
# drop the expected record for deliberate cuts and shutdown aborts only.
_DELIBERATE_CLOSE: ContextVar[bool] = ContextVar("groq_stub_deliberate_close", default=False)


class _DeliberateCloseLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _DELIBERATE_CLOSE.get()


def _install_close_log_filter() -> None:
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DeliberateCloseLogFilter) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(_DeliberateCloseLogFilter())


class _DisconnectWatch:
    """Notices the client leaving while we sleep, so slow answers to gone clients stop early.

    uvicorn silently drops ``send`` after a disconnect, so without this a timed-out client would
    keep a stream "running" for its whole scripted duration. :meth:`abort` (thread-safe) ends the
    wait the same way when the server stops, so shutdown does not wait out long delays.
    """

    def __init__(self, receive: Receive) -> None:
        self.gone = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.gone.set()
                return

    async def sleep(self, seconds: float) -> bool:
        """Sleep; True if the client disconnected meanwhile (returns early then)."""
        if seconds <= 0 or self.gone.is_set():
            return self.gone.is_set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.gone.wait(), timeout=seconds)
        return self.gone.is_set()

    async def nap(self, seconds: float) -> bool:
        """A short sleep (between tokens) that is not worth waking early; True if gone."""
        await asyncio.sleep(seconds)
        return self.gone.is_set()

    def abort(self) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed: nothing left to abort
            self._loop.call_soon_threadsafe(self.gone.set)

    def close(self) -> None:
        self._task.cancel()


# --- the chat-completions endpoint -------------------------------------------------------------


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _authorized(scope: Scope) -> bool:
    auth = _header(scope, b"authorization")
    if auth is None:
        return False
    scheme, _, token = auth.partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


_UNAUTHORIZED = _error_json("Invalid API Key", "invalid_request_error", "invalid_api_key")


class _RequestError(Exception):
    """A request the real API would refuse; carries the status and Groq error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body


@dataclass
class _Parsed:
    model: str
    messages: list[dict[str, Any]]
    stream: bool
    max_tokens: int | None
    include_usage: bool
    tool: dict[str, Any] | None = None
    """The function a structured-output request forces (its name and parameters schema)."""
    json_schema: dict[str, Any] | None = None
    """The schema of a ``response_format`` JSON request ({} for ``json_object``)."""
    body: dict[str, Any] | None = None
    """The whole request, for a responder."""


def _forced_tool(body: Mapping[str, Any]) -> dict[str, Any] | None:
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools:
        return None
    functions = [
        t["function"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)
    ]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return next((f for f in functions if f.get("name") == name), None)
    if choice == "required" and len(functions) == 1:
        return functions[0]
    return None


def _response_schema(body: Mapping[str, Any]) -> dict[str, Any] | None:
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_object":
        return {}
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else {}
    return None


def minimal_instance(schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> Any:
    """The smallest value a JSON schema allows, for a stub's structured answer."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return minimal_instance(defs[str(schema["$ref"]).rsplit("/", 1)[-1]], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return minimal_instance(options[0], defs)
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal_instance(sub, defs) for name, sub in props.items()}
    if kind in ("integer", "number") and "minimum" in schema:
        return schema["minimum"]
    return {"string": "stub", "integer": 0, "number": 0, "boolean": False, "array": []}.get(
        str(kind)
    )


def _parse_request(raw: bytes) -> _Parsed:
    """Validate the subset of the request schema that changes what we answer."""
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _RequestError(
            400,
            _error_json(f"invalid JSON body: {exc}", "invalid_request_error", "invalid_json"),
        ) from exc
    if not isinstance(body, dict):
        raise _RequestError(
            400,
            _error_json(
                "request body must be a JSON object", "invalid_request_error", "invalid_request"
            ),
        )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _RequestError(
            400,
            _error_json(
                "'model' : property 'model' is missing",
                "invalid_request_error",
                "invalid_request",
                param="model",
            ),
        )
    if model not in SUPPORTED_MODELS:
        raise _RequestError(
            404,
            _error_json(
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            ),
        )
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages)
    ):
        raise _RequestError(
            400,
            _error_json(
                "'messages' : must be a non-empty array of objects with a 'role'",
                "invalid_request_error",
                "invalid_request",
                param="messages",
            ),
        )
    n = body.get("n")
    if n is not None and n != 1:
        raise _RequestError(
            400,
            _error_json(
                "'n' : number must be at most 1",
                "invalid_request_error",
                "invalid_request",
                param="n",
            ),
        )
    # Groq prefers max_completion_tokens; max_tokens is the deprecated alias ChatGroq sends.
    max_tokens = body.get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = body.get("max_tokens")
    if max_tokens is not None and (
        not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1
    ):
        raise _RequestError(
            400,
            _error_json(
                "'max_tokens' : number must be at least 1",
                "invalid_request_error",
                "invalid_request",
                param="max_tokens",
            ),
        )
    stream_options = body.get("stream_options")
    include_usage = isinstance(stream_options, dict) and bool(stream_options.get("include_usage"))
    return _Parsed(
        model=model,
        messages=messages,
        stream=body.get("stream") is True,
        max_tokens=max_tokens,
        include_usage=include_usage,
        tool=_forced_tool(body),
        json_schema=_response_schema(body),
        body=body,
    )


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client left before sending it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _usage(prompt_tokens: int, completion_tokens: int, cfg: StubConfig) -> dict[str, Any]:
    completion_time = round(cfg.token_delay * max(completion_tokens - 1, 0), 6)
    return {
        "queue_time": 0.0,
        "prompt_tokens": prompt_tokens,
        "prompt_time": round(cfg.ttft, 6),
        "completion_tokens": completion_tokens,
        "completion_time": completion_time,
        "total_tokens": prompt_tokens + completion_tokens,
        "total_time": round(cfg.ttft + completion_time, 6),
    }


class _ChatCompletions:
    """Raw ASGI endpoint: streaming and abrupt closes need direct control of ``send``."""

    def __init__(self, state: StubState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        state.begin_request()
        retry_header = _header(scope, b"x-stainless-retry-count")
        retry_count = int(retry_header) if retry_header and retry_header.isdigit() else None

        def record(
            status: int,
            *,
            prompt_tokens: int = 0,
            completion_tokens: int = 0,
            stream: bool = False,
            fault: Fault | None = None,
            completed: bool = False,
        ) -> None:
            state.finish_request(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                stream=stream,
                status=status,
                fault=fault,
                retry_count=retry_count,
                completed=completed,
            )

        raw = await _read_body(receive)
        if raw is None:
            record(_CLIENT_CLOSED_STATUS)
            return
        if not _authorized(scope):
            record(401)
            await _send_json(send, 401, _UNAUTHORIZED)
            return
        try:
            req = _parse_request(raw)
        except _RequestError as err:
            record(err.status)
            await _send_json(send, err.status, err.body)
            return

        cfg = replace(state.config)  # snapshot: tests may retune it mid-request
        prompt_tokens = count_prompt_tokens(req.messages)
        requested = prompt_tokens + (req.max_tokens or 0)
        if requested > cfg.max_context_tokens:
            record(400, prompt_tokens=prompt_tokens, stream=req.stream)
            await _send_json(
                send,
                400,
                _error_json(
                    "Please reduce the length of the messages or completion. This model's"
                    f" maximum context length is {cfg.max_context_tokens} tokens; you requested"
                    f" {requested} ({prompt_tokens} in the messages,"
                    f" {req.max_tokens or 0} in the completion).",
                    "invalid_request_error",
                    "context_length_exceeded",
                    param="messages",
                ),
            )
            return

        fault = state.pop_fault()
        delay = fault.get("delay", 0.0) if fault else 0.0
        needs_watch = delay > 0 or cfg.ttft > 0 or cfg.token_delay > 0
        watch = _DisconnectWatch(receive) if needs_watch else None
        if watch is not None:
            state.track(watch)
        try:
            if watch is not None and await watch.sleep(delay):
                record(
                    _CLIENT_CLOSED_STATUS,
                    prompt_tokens=prompt_tokens,
                    stream=req.stream,
                    fault=fault,
                )
                _DELIBERATE_CLOSE.set(True)
                return
            if fault is not None and "status" in fault:
                await self._send_fault_status(send, fault, req.model)
                record(fault["status"], prompt_tokens=prompt_tokens, stream=req.stream, fault=fault)
                return
            if req.tool is not None or req.json_schema is not None:
                scripted = state.next_structured(req.body or {})
                sent = await self._structured(send, watch, req, cfg, prompt_tokens, scripted)
                if sent < 0:
                    record(_CLIENT_CLOSED_STATUS, prompt_tokens=prompt_tokens, stream=req.stream)
                    _DELIBERATE_CLOSE.set(True)
                    return
                record(
                    200,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=sent,
                    stream=req.stream,
                    fault=fault,
                    completed=True,
                )
                return
            reply = _build_reply(prompt_digest(req.messages), cfg.reply_words)
            limit = len(reply.pieces)
            finish_reason = "stop"
            if req.max_tokens is not None and req.max_tokens < limit:
                limit, finish_reason = req.max_tokens, "length"
            cut = fault.get("cut_after_chunks") if fault else None
            error_after = fault.get("error_after_chunks") if fault else None
            if req.stream:
                sent, status, completed = await self._stream(
                    send,
                    watch,
                    req,
                    cfg,
                    reply,
                    limit,
                    finish_reason,
                    prompt_tokens,
                    cut,
                    error_after,
                )
            else:
                sent, status, completed = await self._complete(
                    send, watch, req, cfg, reply, limit, finish_reason, prompt_tokens, cut
                )
            record(
                status,
                prompt_tokens=prompt_tokens,
                completion_tokens=sent,
                stream=req.stream,
                fault=fault,
                completed=completed,
            )
            if not completed:
                _DELIBERATE_CLOSE.set(True)
        finally:
            if watch is not None:
                state.untrack(watch)
                watch.close()

    @staticmethod
    async def _structured(
        send: Send,
        watch: _DisconnectWatch | None,
        req: _Parsed,
        cfg: StubConfig,
        prompt_tokens: int,
        scripted: StructuredReply | None = None,
    ) -> int:
        """Answer a structured-output request: one tool call, or JSON content.

        Paced like a reply (``ttft`` plus ``token_delay`` per piece, all before the answer);
        returns the completion tokens, or -1 if the client left while it waited.
        """
        schema = (req.tool or {}).get("parameters") if req.tool is not None else req.json_schema
        if scripted is not None and "arguments" not in scripted:
            text = str(scripted.get("raw", scripted.get("content", "")))
        else:
            arguments = (
                scripted["arguments"]
                if scripted is not None
                else cfg.structured_reply
                if cfg.structured_reply is not None
                else minimal_instance(schema or {})
            )
            text = json.dumps(arguments, separators=(", ", ": "))
        tokens = max(1, len(_PIECE_RE.findall(text)))
        wait = cfg.ttft + cfg.token_delay * (tokens - 1)
        if watch is not None and await watch.sleep(wait):
            return -1
        usage = _usage(prompt_tokens, tokens, cfg)
        request_id = f"req_{uuid.uuid4().hex[:26]}"
        completion_id = f"chatcmpl-{uuid.uuid4()}"
        created = int(time.time())
        tool_call = (
            {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": req.tool["name"], "arguments": text},
            }
            if req.tool is not None and not (scripted and "content" in scripted)
            else None
        )
        finish = "tool_calls" if tool_call else "stop"
        if not req.stream:
            message: dict[str, Any] = {"role": "assistant", "content": None if tool_call else text}
            if tool_call:
                message["tool_calls"] = [tool_call]
            payload = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": req.model,
                "choices": [
                    {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
                ],
                "usage": usage,
                "system_fingerprint": _SYSTEM_FINGERPRINT,
                "x_groq": {"id": request_id},
            }
            await _send_json(send, 200, payload)
            return tokens

        def chunk(delta: dict[str, Any], finish_reason: str | None, **extra: Any) -> bytes:
            body = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": req.model,
                "system_fingerprint": _SYSTEM_FINGERPRINT,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
                ],
                **extra,
            }
            return b"data: " + _json_bytes(body) + b"\n\n"

        delta: dict[str, Any] = (
            {"tool_calls": [{"index": 0, **tool_call}]} if tool_call else {"content": text}
        )
        body = (
            chunk({"role": "assistant", "content": ""}, None, x_groq={"id": request_id})
            + chunk(delta, None)
            + chunk({}, finish, x_groq={"id": request_id, "usage": usage})
            + b"data: [DONE]\n\n"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"x-request-id", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return tokens

    @staticmethod
    async def _send_fault_status(send: Send, fault: Fault, model: str) -> None:
        status = fault["status"]
        headers: list[tuple[bytes, bytes]] = []
        if "retry_after" in fault:
            headers.append((b"retry-after", f"{fault['retry_after']:g}".encode()))
        if "retry_after_ms" in fault:
            headers.append((b"retry-after-ms", f"{fault['retry_after_ms']:g}".encode()))
        if "should_retry" in fault:
            headers.append((b"x-should-retry", b"true" if fault["should_retry"] else b"false"))
        await _send_json(send, status, _fault_error(status, model), headers)

    @staticmethod
    async def _stream(
        send: Send,
        watch: _DisconnectWatch | None,
        req: _Parsed,
        cfg: StubConfig,
        reply: _Reply,
        limit: int,
        finish_reason: str,
        prompt_tokens: int,
        cut: int | None,
        error_after: int | None = None,
    ) -> tuple[int, int, bool]:
        """Stream the reply; returns (content chunks sent, status for stats, completed)."""
        completion_id = f"chatcmpl-{uuid.uuid4()}"
        request_id = f"req_{uuid.uuid4().hex[:26]}"
        created = int(time.time())
        head = (
            f'data: {{"id":"{completion_id}","object":"chat.completion.chunk",'
            f'"created":{created},"model":"{req.model}",'
            f'"system_fingerprint":"{_SYSTEM_FINGERPRINT}","choices":[{{"index":0,"delta":'
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                    (b"x-request-id", request_id.encode()),
                ],
            }
        )
        if watch is not None and await watch.sleep(cfg.ttft):
            return 0, _CLIENT_CLOSED_STATUS, False
        role_chunk = (
            head
            + b'{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],'
            + b'"x_groq":{"id":"'
            + request_id.encode()
            + b'"}}\n\n'
        )
        # A cut past the reply's end still drops the final chunk, so the fault always bites.
        deliver = limit if cut is None else min(cut, limit)
        if error_after is not None:
            deliver = min(error_after, limit)

        def trailer() -> bytes:
            if error_after is not None:
                error = {
                    "message": "The model failed while generating (stub fault)",
                    "type": "internal_server_error",
                    "code": "generation_failed",
                }
                return b"data: " + _json_bytes({"error": error}) + b"\n\n"
            usage = _usage(prompt_tokens, limit, cfg)
            out = (
                head
                + b'{},"logprobs":null,"finish_reason":"'
                + finish_reason.encode()
                + b'"}],"x_groq":'
                + _json_bytes({"id": request_id, "usage": usage})
                + b"}\n\n"
            )
            if req.include_usage:
                out += (
                    b"data: "
                    + _json_bytes(
                        {
                            "id": completion_id,
                            "object": "chat.completion.chunk",
                            "created": created,
                            "model": req.model,
                            "system_fingerprint": _SYSTEM_FINGERPRINT,
                            "choices": [],
                            "usage": usage,
                        }
                    )
                    + b"\n\n"
                )
            return out + b"data: [DONE]\n\n"

        deltas = reply.encoded_deltas
        if cfg.token_delay <= 0 or watch is None:
            # No pacing: one write for the whole stream keeps hundreds of streams cheap.
            body = role_chunk + b"".join(head + d for d in deltas[:deliver])
            if cut is not None:
                await send({"type": "http.response.body", "body": body, "more_body": True})
                return deliver, 200, False
            await send({"type": "http.response.body", "body": body + trailer(), "more_body": False})
            return deliver, 200, True

        first = role_chunk + head + deltas[0] if deliver > 0 else role_chunk
        await send({"type": "http.response.body", "body": first, "more_body": True})
        for i in range(1, deliver):
            if await watch.nap(cfg.token_delay):
                return i, _CLIENT_CLOSED_STATUS, False
            await send({"type": "http.response.body", "body": head + deltas[i], "more_body": True})
        if cut is not None:
            return deliver, 200, False
        await send({"type": "http.response.body", "body": trailer(), "more_body": False})
        return deliver, 200, True

    @staticmethod
    async def _complete(
        send: Send,
        watch: _DisconnectWatch | None,
        req: _Parsed,
        cfg: StubConfig,
        reply: _Reply,
        limit: int,
        finish_reason: str,
        prompt_tokens: int,
        cut: int | None,
    ) -> tuple[int, int, bool]:
        """Answer with one chat.completion object; returns like :meth:`_stream`."""
        wait = cfg.ttft + cfg.token_delay * max(limit - 1, 0)
        if watch is not None and await watch.sleep(wait):
            return 0, _CLIENT_CLOSED_STATUS, False
        request_id = f"req_{uuid.uuid4().hex[:26]}"
        payload = {
            "id": f"chatcmpl-{uuid.uuid4()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(reply.pieces[:limit])},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": _usage(prompt_tokens, limit, cfg),
            "usage_breakdown": None,
            "system_fingerprint": _SYSTEM_FINGERPRINT,
            "x_groq": {"id": request_id},
            "service_tier": "on_demand",
        }
        body = _json_bytes(payload)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if cut is not None:
            # Promise the full Content-Length, deliver half, then drop the connection.
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            return 0, 200, False
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return limit, 200, True


# --- the app -----------------------------------------------------------------------------------


def _model_card(cfg: StubConfig) -> dict[str, Any]:
    return {
        "id": MODEL_ID,
        "object": "model",
        "created": _MODEL_CREATED,
        "owned_by": "Meta",
        "active": True,
        "context_window": cfg.max_context_tokens,
        "public_apps": None,
        "max_completion_tokens": 32768,
    }


def create_app(config: StubConfig) -> Starlette:
    """The ASGI app; its :class:`StubState` is at ``app.state.stub``."""
    _install_close_log_filter()
    state = StubState(config)

    def unauthorized(request: Request) -> JSONResponse | None:
        if _authorized(request.scope):
            return None
        return JSONResponse(_UNAUTHORIZED, status_code=401)

    async def list_models(request: Request) -> Response:
        if (denied := unauthorized(request)) is not None:
            return denied
        return JSONResponse({"object": "list", "data": [_model_card(state.config)]})

    async def get_model(request: Request) -> Response:
        if (denied := unauthorized(request)) is not None:
            return denied
        model = request.path_params["model"]
        if model not in SUPPORTED_MODELS:
            return JSONResponse(
                _error_json(
                    f"The model `{model}` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found",
                ),
                status_code=404,
            )
        return JSONResponse(_model_card(state.config))

    async def json_or_400(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError as exc:
            raise ValueError(f"invalid JSON body: {exc}") from exc

    async def control_faults(request: Request) -> Response:
        try:
            faults = await json_or_400(request)
            if not isinstance(faults, list):
                raise ValueError("POST a JSON list of faults")
            pending = state.add_faults(faults)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults_pending": pending})

    async def control_config(request: Request) -> Response:
        try:
            update = await json_or_400(request)
            if not isinstance(update, dict):
                raise ValueError("POST a JSON object of config fields")
            _apply_config_update(state.config, update)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(asdict(state.config))

    async def control_structured(request: Request) -> Response:
        try:
            replies = await json_or_400(request)
            if not isinstance(replies, list):
                raise ValueError("POST a JSON list of structured replies")
            pending = state.add_structured(replies)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"structured_pending": pending})

    async def control_stats(request: Request) -> Response:
        return JSONResponse(state.snapshot())

    async def control_reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    async def http_error(request: Request, exc: Exception) -> Response:
        # Groq answers unknown URLs and wrong methods with its usual error body.
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return JSONResponse(
            _error_json(
                f"Unknown request URL: {request.method} {request.url.path}. Please check the URL"
                " for typos, or see the docs at https://console.groq.com/docs/",
                "invalid_request_error",
                "unknown_url",
            ),
            status_code=status,
        )

    app = Starlette(
        routes=[
            Route("/openai/v1/chat/completions", _ChatCompletions(state), methods=["POST"]),
            Route("/openai/v1/models", list_models, methods=["GET"]),
            Route("/openai/v1/models/{model:path}", get_model, methods=["GET"]),
            Route("/v1/chat/completions", _ChatCompletions(state), methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", get_model, methods=["GET"]),
            Route("/_control/faults", control_faults, methods=["POST"]),
            Route("/_control/config", control_config, methods=["POST"]),
            Route("/_control/stats", control_stats, methods=["GET"]),
            Route("/_control/reset", control_reset, methods=["POST"]),
            Route("/_control/structured", control_structured, methods=["POST"]),
        ],
        exception_handlers={404: http_error, 405: http_error},
    )
    app.state.stub = state
    return app


# --- serving -----------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """Bind ourselves so port 0 works and the real port is known before uvicorn starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _origin(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _uvicorn_config(
    app: Starlette, *, log_config: dict[str, Any] | str | None, graceful: int
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        log_config=log_config,
        timeout_graceful_shutdown=graceful,
        backlog=4096,
    )


class GroqStubServer:
    """The stub served by uvicorn in a background thread, for in-process tests.

    ``with GroqStubServer() as server: ChatGroq(base_url=server.base_url, ...)``. The handle
    shares its :class:`StubState` with the app, so ``.config`` edits, ``.add_faults`` and
    ``.reset`` take effect on the next request without going through HTTP.
    """

    def __init__(
        self,
        config: StubConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"GroqStubServer only binds loopback addresses, not {host!r}")
        self.app = create_app(config if config is not None else StubConfig())
        self._state: StubState = self.app.state.stub
        self._host = host
        self._port = port
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        """``http://127.0.0.1:PORT`` once started: pass it as GROQ_API_BASE / base_url."""

    @property
    def openai_base_url(self) -> str:
        """The OpenAI-compatible routes' base URL (``.../v1``): INTERVIEWER_OPENAI_BASE_URL."""
        return f"{self.base_url}/v1"

    @property
    def config(self) -> StubConfig:
        """The live config object; assigning its fields changes later requests."""
        return self._state.config

    @config.setter
    def config(self, value: StubConfig) -> None:
        self._state.config = value

    @property
    def stats(self) -> dict[str, Any]:
        """A snapshot of the counters (see the module docstring)."""
        return self._state.snapshot()

    def add_faults(self, faults: Iterable[Mapping[str, Any]]) -> None:
        """Queue faults, each consumed by one later chat-completions request."""
        self._state.add_faults(faults)

    def add_structured_replies(self, replies: Iterable[Mapping[str, Any]]) -> None:
        """Queue structured replies, each consumed by one later tool-call/JSON-mode request."""
        self._state.add_structured(replies)

    @property
    def responder(self) -> Callable[[dict[str, Any]], Mapping[str, Any]] | None:
        """Called with a structured request's body when no reply is queued."""
        return self._state.responder

    @responder.setter
    def responder(self, value: Callable[[dict[str, Any]], Mapping[str, Any]] | None) -> None:
        self._state.responder = value

    def reset(self) -> None:
        """Clear stats, pending faults and structured replies."""
        self._state.reset()

    def start(self) -> Self:
        """Bind a free loopback port, serve from a daemon thread, return once accepting."""
        if self._thread is not None:
            raise RuntimeError("GroqStubServer already started")
        sock = _bind(self._host, self._port)
        port = sock.getsockname()[1]
        # log_config=None: leave the host process's logging alone (pytest captures records).
        server = uvicorn.Server(_uvicorn_config(self.app, log_config=None, graceful=1))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="groq-stub", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(timeout=2)
                sock.close()
                raise RuntimeError("GroqStubServer failed to start")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        self.base_url = _origin(self._host, port)
        return self

    def stop(self) -> None:
        """Abort in-flight slow requests, shut uvicorn down and join its thread (idempotent)."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        # Wake requests sleeping on ttft/delays so uvicorn's graceful wait ends at once.
        self._state.abort_inflight()
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            # Past the graceful window: stop waiting on stuck connections.
            server.force_exit = True
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: serve the stub in the foreground until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m devkit.groq_server", description="Groq-protocol stub LLM server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--ttft-ms", type=float, default=0.0)
    parser.add_argument("--token-delay-ms", type=float, default=0.0)
    parser.add_argument("--reply-words", type=int, default=40)
    parser.add_argument("--max-context-tokens", type=int, default=128000)
    parser.add_argument(
        "--allow-nonlocal", action="store_true", help="permit binding a non-loopback host"
    )
    args = parser.parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_nonlocal:
        parser.error(f"refusing non-loopback host {args.host!r} without --allow-nonlocal")
    if args.ttft_ms < 0 or args.token_delay_ms < 0 or args.reply_words < 1:
        parser.error("delays must be >= 0 and --reply-words >= 1")

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = StubConfig(
        ttft=args.ttft_ms / 1000,
        token_delay=args.token_delay_ms / 1000,
        reply_words=args.reply_words,
        max_context_tokens=args.max_context_tokens,
    )
    app = create_app(config)
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        parser.error(f"cannot bind {args.host}:{args.port}: {exc}")
    port = sock.getsockname()[1]
    server = uvicorn.Server(_uvicorn_config(app, log_config=LOGGING_CONFIG, graceful=5))
    logger.info(
        "groq stub serving %s on %s (GROQ_API_BASE); ttft=%gms token_delay=%gms reply_words=%d",
        MODEL_ID,
        _origin(args.host, port),
        args.ttft_ms,
        args.token_delay_ms,
        args.reply_words,
    )
    # uvicorn re-raises a captured Ctrl-C after its graceful shutdown; that is a normal exit here.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
