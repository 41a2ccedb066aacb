"""The load driver: N simulated candidates through whole interviews at once, over HTTP.

Each candidate creates a session, starts the interview and answers until a reply ends with
"End of interview.", reading every reply as a plain-text stream (the seed's clients do the same).
Per turn it records the time to the first non-empty chunk of the body (TTFB), the time to the end
of the stream, and any error. A concurrent poller can time ``GET /healthz`` meanwhile.

A run may have a deadline (the baseline serialises every turn behind a blocking LLM call and
would take many minutes): turns still waiting when it passes are recorded as *censored*, with the
time they had waited so far, which is a lower bound of their TTFB.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.rawhttp import HTTPFailure, RawClient, RawResponse
from devkit.candidate import is_final, reply_to

TurnKind = Literal["start", "chat"]
KEEPALIVE_EXPIRY_S = 3.0
"""Idle keep-alive connections are dropped by the driver after this (uvicorn: 5 s)."""


@dataclass
class TurnRecord:
    """One streamed turn as the candidate saw it."""

    kind: TurnKind
    ttfb: float | None = None
    """Seconds from sending the request to the first non-empty body chunk."""
    total: float | None = None
    """Seconds from sending the request to the end of the stream."""
    status: int | None = None
    error: str | None = None
    censored: bool = False
    """Still running at the run's deadline; ``ttfb`` is then the wait so far (a lower bound)."""
    chunks: int = 0


@dataclass
class InterviewRecord:
    """One candidate's interview."""

    session_id: str = ""
    turns: list[TurnRecord] = field(default_factory=list)
    finished: bool = False
    error: str | None = None
    transcript_chars: int = 0
    """Characters of every reply and answer of the interview."""

    @property
    def chat_turns(self) -> int:
        """Candidate messages sent (the ``chat`` requests)."""
        return sum(1 for t in self.turns if t.kind == "chat")


@dataclass
class RunResult:
    """Everything one load run measured."""

    interviews: list[InterviewRecord]
    wall_seconds: float
    healthz: list[float] = field(default_factory=list)
    """Latencies of the /healthz probes, seconds (censored probes at their wait so far)."""
    deadline_hit: bool = False
    loop_lag: list[float] = field(default_factory=list)
    """How late the driver's own event loop woke a 50 ms timer, seconds: the harness's overhead
    (a late loop reads every reply late too)."""
    llm_probe: list[float] = field(default_factory=list)
    """The LLM stand-in's first-token time measured directly (a bare client, no server in
    between) while the run was going, seconds."""

    @property
    def turns(self) -> list[TurnRecord]:
        return [t for i in self.interviews for t in i.turns]

    @property
    def finished(self) -> int:
        return sum(1 for i in self.interviews if i.finished)

    @property
    def chat_turns(self) -> int:
        return sum(i.chat_turns for i in self.interviews)

    @property
    def errors(self) -> int:
        """Failed turns plus interviews that failed outside a turn (e.g. create-session)."""
        failed_turns = sum(1 for t in self.turns if t.error is not None)
        other = sum(
            1 for i in self.interviews if i.error is not None and not any(t.error for t in i.turns)
        )
        return failed_turns + other


@dataclass(frozen=True)
class Plan:
    """How the candidates behave."""

    settings: dict[str, Any]
    """The create-session body."""
    think: tuple[float, float] = (0.0, 0.0)
    """Seconds a candidate takes to answer, drawn uniformly from this range each turn."""
    ramp: float = 0.0
    """Candidates start spread evenly over this many seconds."""
    max_chat_turns: int = 60
    """Give up on an interview that has not ended after this many candidate messages."""
    request_timeout: float = 120.0


async def _stream_turn(
    client: RawClient,
    url: str,
    body: dict[str, Any] | None,
    record: TurnRecord,
) -> str:
    """POST and read a plain-text stream; fills ``record`` and returns the text."""
    parts: list[bytes] = []
    started = time.perf_counter()
    response: RawResponse | None = None
    try:
        response = await client.send("POST", url, body)
        record.status = response.status
        if response.status != 200:
            detail = (await response.aread()).decode(errors="replace")[:200]
            record.error = f"HTTP {response.status}: {detail}"
            record.total = time.perf_counter() - started
            return ""
        async for chunk in response.chunks():
            if not chunk:
                continue
            if record.ttfb is None:
                record.ttfb = time.perf_counter() - started
            parts.append(chunk)
            record.chunks += 1
        record.total = time.perf_counter() - started
    except asyncio.CancelledError:
        if response is not None:
            response.close()
        record.censored = True
        if record.ttfb is None:
            record.ttfb = time.perf_counter() - started
        raise
    except HTTPFailure as exc:
        record.error = str(exc)
        record.total = time.perf_counter() - started
        return ""
    text = b"".join(parts).decode(errors="replace")
    if not text.strip():
        record.error = "empty reply"
    return text


async def run_candidate(
    client: RawClient | Sequence[RawClient],
    plan: Plan,
    interview: InterviewRecord,
    rng: random.Random,
) -> None:
    """One candidate: create, start, answer until the end marker (records into ``interview``).

    With several clients (one per replica), each request goes to the next one: every turn of
    the interview is served by another replica than the one before (no sticky routing).
    """
    clients = [client] if isinstance(client, RawClient) else list(client)
    first = rng.randrange(len(clients)) if len(clients) > 1 else 0
    turn_of = itertools.cycle(clients[first:] + clients[:first])
    creator = next(turn_of)
    started = time.perf_counter()
    try:
        response = await creator.send("POST", "/create-session", plan.settings)
        status = response.status
        created = await response.json() if status == 200 else None
    except asyncio.CancelledError:
        # Stuck behind a blocked server at the deadline: the interview's first turn waited
        # at least this long for its first byte.
        waited = time.perf_counter() - started
        interview.turns.append(TurnRecord("start", ttfb=waited, censored=True))
        raise
    except (HTTPFailure, ValueError) as exc:
        interview.error = f"create-session: {exc}"
        return
    if created is None:
        interview.error = f"create-session: HTTP {status}"
        return
    session_id = created["session_id"]
    interview.session_id = session_id

    record = TurnRecord("start")
    interview.turns.append(record)
    text = await _stream_turn(next(turn_of), f"/start-interview/{session_id}", None, record)
    interview.transcript_chars += len(text)
    if record.error is not None:
        interview.error = record.error
        return
    for turn in range(1, plan.max_chat_turns + 1):
        if is_final(text):
            interview.finished = True
            return
        low, high = plan.think
        if high > 0:
            await asyncio.sleep(rng.uniform(low, high))
        answer = reply_to(text, turn)
        record = TurnRecord("chat")
        interview.turns.append(record)
        text = await _stream_turn(
            next(turn_of),
            f"/chat/{session_id}",
            {"session_id": session_id, "message": answer, "type": "user"},
            record,
        )
        interview.transcript_chars += len(answer) + len(text)
        if record.error is not None:
            interview.error = record.error
            return
    interview.finished = is_final(text)
    if not interview.finished:
        interview.error = f"no end marker after {plan.max_chat_turns} candidate messages"


async def poll_healthz(
    client: RawClient, interval: float, stop: asyncio.Event, out: RunResult
) -> None:
    """GET /healthz every ``interval`` seconds until ``stop``; latencies go to ``out``."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response = await client.send("GET", "/healthz")
            await response.aread()
            out.healthz.append(time.perf_counter() - started)
        except asyncio.CancelledError:
            out.healthz.append(time.perf_counter() - started)
            raise
        except HTTPFailure:
            pass  # a probe that failed has no latency to report
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def _client(base_url: str, connections: int, timeout: float) -> RawClient:
    # uvicorn closes a keep-alive connection after 5 s idle (the baseline) or 30 s (ours); a
    # client that may reuse one as late as that races the close and gets a broken read on its
    # next request. Expire first. (`connections` is kept for the callers: no pool limit.)
    del connections
    return RawClient(base_url, timeout=timeout, keepalive_expiry=KEEPALIVE_EXPIRY_S)


async def _watch_loop(stop: asyncio.Event, out: list[float], interval: float = 0.05) -> None:
    """How late this event loop wakes a timer: the driver's own lag, recorded in ``out``."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + interval
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if not stop.is_set():
            out.append(max(0.0, loop.time() - due))


async def _probe_llm(
    llm_base_url: str, interval: float, stop: asyncio.Event, out: list[float]
) -> None:
    """The stand-in's first-token time, one direct request every ``interval`` s, into ``out``."""
    async with RawClient(llm_base_url, timeout=30.0) as client:
        while not stop.is_set():
            with contextlib.suppress(HTTPFailure):
                first = await _llm_first_token(client, llm_base_url)
                if first is not None:
                    out.append(first)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


async def run_load(
    base_url: str | Sequence[str],
    n: int,
    plan: Plan,
    *,
    deadline: float | None = None,
    healthz_interval: float | None = None,
    llm_base_url: str | None = None,
    llm_probe_interval: float = 0.5,
    seed: int = 1,
) -> RunResult:
    """Run ``n`` candidates at once; optionally poll /healthz and stop at ``deadline`` seconds.

    Several base URLs (replicas of one service) share the candidates' requests round robin.
    With ``llm_base_url`` the LLM stand-in is also probed directly during the run.
    """
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    interviews = [InterviewRecord() for _ in range(n)]
    result = RunResult(interviews=interviews, wall_seconds=0.0)
    started = time.perf_counter()
    per_replica = n // len(urls) + 10
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(_client(url, per_replica, plan.request_timeout))
            for url in urls
        ]
        probe_client = await stack.enter_async_context(_client(urls[0], 4, plan.request_timeout))

        async def candidate(index: int) -> None:
            if plan.ramp > 0 and n > 1:
                await asyncio.sleep(plan.ramp * index / n)
            rng = random.Random(seed * 7919 + index)
            await run_candidate(clients, plan, interviews[index], rng)

        tasks = [asyncio.create_task(candidate(i)) for i in range(n)]
        stop = asyncio.Event()
        watchers = [asyncio.create_task(_watch_loop(stop, result.loop_lag))]
        if healthz_interval is not None:
            watchers.append(
                asyncio.create_task(poll_healthz(probe_client, healthz_interval, stop, result))
            )
        if llm_base_url is not None:
            watchers.append(
                asyncio.create_task(
                    _probe_llm(llm_base_url, llm_probe_interval, stop, result.llm_probe)
                )
            )
        _, pending = await asyncio.wait(tasks, timeout=deadline)
        if pending:
            result.deadline_hit = True
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        stop.set()
        # On timeout wait_for cancels a watcher: a blocked server's last probe counts at its wait.
        for watcher in watchers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watcher, timeout=2.0)
    result.wall_seconds = time.perf_counter() - started
    return result


async def create_sessions(
    base_url: str, count: int, settings: dict[str, Any], *, concurrency: int = 20
) -> list[str]:
    """Create ``count`` sessions (``concurrency`` requests at a time); returns their ids."""
    ids: list[str] = []
    queue = iter(range(count))
    async with _client(base_url, concurrency, 60.0) as client:

        async def worker() -> None:
            for _ in queue:
                response = await client.send("POST", "/create-session", settings)
                if response.status != 200:
                    raise HTTPFailure(f"create-session: HTTP {response.status}")
                ids.append((await response.json())["session_id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids


async def start_sessions(base_url: str, session_ids: list[str], *, concurrency: int = 20) -> int:
    """Start (greet) each session and read the greeting; returns how many succeeded."""
    ok = 0
    queue = iter(session_ids)
    async with _client(base_url, concurrency, 60.0) as client:

        async def worker() -> None:
            nonlocal ok
            for session_id in queue:
                record = TurnRecord("start")
                await _stream_turn(client, f"/start-interview/{session_id}", None, record)
                ok += record.error is None

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


_PROBE_BODY: dict[str, Any] = {
    "model": "llama-3.3-70b-versatile",
    "messages": [
        {"role": "system", "content": "You are Mia, an interviewer. " * 40},
        {"role": "user", "content": "Ask technical question 1 of 3 on python. " * 30},
    ],
    "stream": True,
    "max_tokens": 400,
}


async def _llm_first_token(client: RawClient, llm_base_url: str) -> float | None:
    """Seconds to the first chunk carrying content, for one prompt of our size (read whole)."""
    del llm_base_url  # the client is bound to it
    started = time.perf_counter()
    first: float | None = None
    response = await client.send(
        "POST",
        "/openai/v1/chat/completions",
        _PROBE_BODY,
        headers={"Authorization": "Bearer bench"},
    )
    async for chunk in response.chunks():
        if first is None and b'"content":"' in chunk and b'"content":""' not in chunk:
            first = time.perf_counter() - started
    return first


async def probe_llm_ttft(llm_base_url: str, count: int = 20) -> list[float]:
    """The LLM's own first-token time as a bare client sees it, seconds (one at a time).

    A plain stream (no server in between) to the chat-completions endpoint with a prompt of
    our size, timed to the first chunk carrying content: the floor any server here starts from.
    """
    times: list[float] = []
    async with RawClient(llm_base_url, timeout=30.0) as client:
        for _ in range(count):
            first = await _llm_first_token(client, llm_base_url)
            if first is not None:
                times.append(first)
    return times


def run_async(factory: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine on uvloop when available (the driver's own overhead stays small)."""
    try:
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        loop_factory = None

    async def main() -> Any:
        return await factory()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main())
