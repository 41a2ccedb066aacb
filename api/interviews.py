"""Running interview turns: one graph run per turn, committed whole or not at all.

Every turn first takes the session's lease (held in the database, so any process on it may
serve any session), then runs the graph from the session's head checkpoint in a task of its
own, detached from the HTTP request: a client that disconnects halfway does not cancel it. The
graph runs with `durability="exit"`, so the run writes one checkpoint, when it stops at the next
`wait_for_candidate` interrupt. The turn is committed when one conditional update moves the
session's head to that checkpoint together with its progress and releases the lease. A turn that
fails, or whose process dies, commits nothing: the head still names the last committed turn, the
candidate can send the same message again, and the orphan checkpoint is pruned later.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from langgraph.types import Command

from api import audit
from api.errors import ERRORS, Refused, turn_error
from api.projections import progress_of, state_event
from api.sessions import (
    Commit,
    Lease,
    LeaseLost,
    SessionNotFound,
    SessionRepository,
    SessionRow,
    TurnRecord,
)
from api.sessions.threads import session_seed, thread_config, thread_id
from graph.context import Context
from graph.events import GraphEvent, TurnEvent, done, end, graph_event, token
from graph.graph import InterviewGraph
from graph.state import InputState, State

logger = logging.getLogger(__name__)

GraphInput = InputState | Command[Any]
Role = Literal["open", "admin", "candidate"]

MAX_KEY_CHARS = 200


class TurnRefused(Refused):
    """The turn cannot run in the session's current state (the row says why)."""


class TurnLimitReached(Refused):
    """The session has had as many candidate turns as one interview may have."""

    def __init__(self, limit: int) -> None:
        super().__init__("turn_limit_reached", limit=limit)


class Overloaded(Refused):
    """The process runs as many turns at once as it is allowed to."""

    def __init__(self) -> None:
        super().__init__("overloaded")


class IdempotencyMismatch(Refused):
    """An Idempotency-Key already used for a different request on this session."""

    def __init__(self) -> None:
        super().__init__("idempotency_key_reused")


@dataclass
class Turn:
    """A running (or replayed) turn: its events, read by whoever streams them."""

    queue: asyncio.Queue[TurnEvent | None] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    flush_interval: float = 0.0
    """Seconds to gather tokens after the first before writing them (0: write as they come)."""
    _stream: AsyncIterator[TurnEvent] | None = field(default=None, repr=False)

    def stream(self) -> AsyncIterator[TurnEvent]:
        """The one iterator over `events()`: readers that stop early and resume (the first
        token decides the HTTP status) must not drop an event the grouping already took."""
        if self._stream is None:
            self._stream = self.events()
        return self._stream

    async def events(self) -> AsyncIterator[TurnEvent]:
        """The turn's events, with tokens grouped after the first one.

        The first token leaves at once (time to first byte is what a candidate feels). After
        it, tokens that arrive within `flush_interval` leave together: one HTTP write instead
        of one per token, which under load was the largest share of the server's CPU.
        """
        sent_token = False
        while True:
            if sent_token and self.flush_interval > 0 and self.queue.empty():
                await asyncio.sleep(self.flush_interval)
            event = await self.queue.get()
            if event is None:
                return
            while event["event"] == "token" and not self.queue.empty():
                following = self.queue.get_nowait()
                if following is not None and following["event"] == "token":
                    event = token(event["text"] + following["text"])
                    continue
                yield event
                if following is None:
                    return
                event = following
            sent_token = sent_token or event["event"] == "token"
            yield event


def request_hash(kind: str, message: str = "") -> str:
    """What an Idempotency-Key is bound to: the same key must carry the same request."""
    return hashlib.sha256(f"{kind}\n{message}".encode("utf-8", "surrogatepass")).hexdigest()


def check_key(key: str | None) -> str | None:
    """A usable Idempotency-Key, or Refused (422) saying why not."""
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable() or not key.isascii():
        raise Refused("bad_idempotency_key", limit=MAX_KEY_CHARS)
    return key


@dataclass
class _Plan:
    """A claimed turn about to run: its lease, the row read under it, and what to run."""

    lease: Lease
    row: SessionRow
    generation: int
    head: str | None
    """The checkpoint the run resumes from (None: a new interview from START)."""
    graph_input: GraphInput
    key: str | None
    request_hash: str


class InterviewService:
    """Starts interviews and runs turns against the checkpointed graph, under session leases."""

    def __init__(
        self,
        graph: InterviewGraph,
        repo: SessionRepository,
        context: Context,
        max_active_turns: int = 500,
        max_turns_per_session: int = 300,
        stream_flush_interval: float = 0.0,
        on_finished: Callable[[str], Awaitable[None]] | None = None,
        sessions_dir: Path | None = None,
        turn_deadline: float | None = None,
    ) -> None:
        self.graph = graph
        self.repo = repo
        self.context = context
        self.max_active_turns = max_active_turns
        self.max_turns_per_session = max_turns_per_session
        self.stream_flush_interval = stream_flush_interval
        self.on_finished = on_finished
        self.sessions_dir = sessions_dir
        self.turn_deadline = turn_deadline
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = 0
        """Turns claimed or running in this process (the max_active_turns cap)."""
        self._background: set[asyncio.Task[None]] = set()

    # --- reading ----------------------------------------------------------------------------

    @property
    def active_turns(self) -> int:
        """Turns claimed or running in this process now (background work yields to them)."""
        return self._slots

    async def read(self, session_id: str) -> tuple[SessionRow, State | None]:
        """The session's row and the interview state at its head: one consistent view.

        The row names the head and carries the progress the head implies, and a checkpoint
        never changes, so the two always agree. If a commit moved the head and pruned the old
        one between the two reads, the row is simply read again.
        """
        for _ in range(5):
            row = await self.repo.get(session_id)
            if row is None:
                raise SessionNotFound(session_id)
            if row.head is None:
                return row, None
            snapshot = await self.graph.aget_state(
                thread_config(row.session_id, row.generation, row.head)
            )
            if snapshot.values:
                return row, State(**snapshot.values)
        raise RuntimeError(f"the head checkpoint of session {session_id} cannot be read")

    async def state(self, session_id: str) -> State | None:
        return (await self.read(session_id))[1]

    # --- turns ------------------------------------------------------------------------------

    async def start(self, session_id: str, role: Role = "open", key: str | None = None) -> Turn:
        """Start the interview: greet the candidate (400-worthy if one is in progress).

        A finished interview may be started afresh by the hiring side only, and only after it
        has been archived: the candidate's own token cannot erase a finished transcript.
        """
        claimed = await self._claim(session_id, key, request_hash("start"))
        if isinstance(claimed, Turn):
            return claimed
        lease, row = claimed
        try:
            if row.active:
                raise TurnRefused("interview_in_progress")
            generation = row.generation
            if row.started:
                if role == "candidate":
                    raise TurnRefused("interview_finished")
                await self._archive_before_restart(row)
                generation += 1
            # Every interview of the session gets the session's seed: a restarted or
            # reset one replays the same interview for the same answers.
            start = InputState(settings=row.settings, seed=session_seed(session_id))
            plan = _Plan(lease, row, generation, None, start, key, request_hash("start"))
            return self._launch(plan)
        except BaseException:
            await self._unclaim(lease)
            raise

    async def send(
        self,
        session_id: str,
        message: str,
        kind: Literal["user", "system"],
        key: str | None = None,
    ) -> Turn:
        """A candidate message or an admin command, as the next turn."""
        digest = request_hash(kind, message)
        claimed = await self._claim(session_id, key, digest)
        if isinstance(claimed, Turn):
            return claimed
        lease, row = claimed
        try:
            if not row.active or row.head is None:
                raise TurnRefused("no_active_interview")
            # The cap bounds what a candidate can make the service do; the hiring side's
            # commands (end_interview above all) must work whatever the count.
            if kind == "user" and row.turns >= self.max_turns_per_session:
                raise TurnLimitReached(self.max_turns_per_session)
            resume: Command[Any] = Command(resume={"type": kind, "message": message})
            return self._launch(_Plan(lease, row, row.generation, row.head, resume, key, digest))
        except BaseException:
            await self._unclaim(lease)
            raise

    async def _claim(
        self, session_id: str, key: str | None, digest: str
    ) -> tuple[Lease, SessionRow] | Turn:
        """Take the session's lease and read its row, or the replay of a committed key."""
        if key is not None:
            record = await self.repo.committed_turn(session_id, key)
            if record is not None:
                return self._replay(record, digest)
        # The slot is taken before the first await, so concurrent requests cannot all pass.
        if self._slots >= self.max_active_turns:
            raise Overloaded()
        self._slots += 1
        try:
            lease, row = await self.repo.claim(session_id, "turn")
        except BaseException:
            self._slots -= 1
            raise
        try:
            if key is not None:
                # The same key may have committed between the look-up and the lease.
                record = await self.repo.committed_turn(session_id, key)
                if record is not None:
                    self._slots -= 1
                    await self._release(lease)
                    return self._replay(record, digest)
            return lease, row
        except BaseException:
            self._slots -= 1
            await self._release(lease)
            raise

    async def _unclaim(self, lease: Lease) -> None:
        self._slots -= 1
        await self._release(lease)

    def _replay(self, record: TurnRecord, digest: str) -> Turn:
        if record.request_hash != digest:
            raise IdempotencyMismatch()
        turn = Turn()
        if record.reply:
            turn.queue.put_nowait(token(record.reply))
        for event in record.events:
            turn.queue.put_nowait(cast(TurnEvent, event))  # stored as sent (`_record`)
        turn.queue.put_nowait(done())
        turn.queue.put_nowait(None)
        return turn

    def _launch(self, plan: _Plan) -> Turn:
        turn = Turn(flush_interval=self.stream_flush_interval)
        task = asyncio.create_task(self._drive(plan, turn.queue))
        turn.task = task
        self._tasks.add(task)
        task.add_done_callback(self._turn_ended)
        return turn

    def _turn_ended(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots -= 1

    async def _drive(self, plan: _Plan, queue: asyncio.Queue[TurnEvent | None]) -> None:
        lease, row = plan.lease, plan.row
        keeper = asyncio.create_task(self._keep(lease))
        # The whole reply, however slowly the LLM trickles: past it the turn fails like a
        # timeout (llm_timeout), uncommitted.
        deadline = asyncio.timeout(self.turn_deadline)
        try:
            try:
                async with deadline:
                    state, head, reply, events = await self._run_graph(plan, queue)
            finally:
                keeper.cancel()
            commit = Commit(
                plan.generation,
                head,
                progress_of(state, row.settings),
                _record(plan, reply, events, state),
            )
            await self.repo.commit(lease, row.head, commit, keep=_kept(plan, head))
        except asyncio.CancelledError:
            await asyncio.shield(self._release(lease))
            queue.put_nowait(ERRORS["shutting_down"].event())
            queue.put_nowait(None)
            raise
        except Exception as exc:
            if isinstance(exc, LeaseLost):
                logger.error("turn of %s lost its lease; not committed", row.session_id)
            else:
                logger.exception("turn failed for session %s", row.session_id)
            await self._release(lease)
            queue.put_nowait(turn_error(exc, deadline=deadline.expired()))
            queue.put_nowait(None)
            return
        queue.put_nowait(state_event(state))
        if not state.active:
            queue.put_nowait(end())
        queue.put_nowait(done())
        queue.put_nowait(None)
        if not state.active:
            self._spawn(
                audit.append(
                    self.repo,
                    audit.SYSTEM,
                    "interview.finished",
                    session_id=row.session_id,
                    details={"questions_asked": state.questions_asked, "turns": row.turns + 1},
                )
            )
            if self.on_finished is not None:
                self._spawn(self.on_finished(row.session_id))

    async def _run_graph(
        self, plan: _Plan, queue: asyncio.Queue[TurnEvent | None]
    ) -> tuple[State, str, str, list[GraphEvent]]:
        """One graph run, its events forwarded: the state it stopped at, the checkpoint it
        wrote, the reply as streamed and the non-token events."""
        values: dict[str, Any] | None = None
        head: str | None = None
        parts: list[str] = []
        events: list[GraphEvent] = []
        async for mode, chunk in self.graph.astream(
            plan.graph_input,
            thread_config(plan.row.session_id, plan.generation, plan.head),
            context=self.context,
            stream_mode=["custom", "values", "checkpoints"],
            durability="exit",
        ):
            if mode == "custom":
                event = graph_event(chunk)
                queue.put_nowait(event)
                if event["event"] == "token":
                    parts.append(event["text"])
                else:
                    events.append(event)
            elif mode == "values":
                if isinstance(chunk, dict):
                    values = chunk
            elif isinstance(chunk, dict):
                # With durability="exit" the last checkpoint event is the one the run saved.
                head = chunk["config"]["configurable"]["checkpoint_id"]
        if not values or head is None:
            raise RuntimeError("the turn produced no state")
        # The last event at an interrupt also carries `__interrupt__`, which is not state.
        state = State(**{k: v for k, v in values.items() if not k.startswith("__")})
        return state, head, "".join(parts), events

    async def _keep(self, lease: Lease) -> None:
        """Renew the lease while the turn runs, so a long reply is not taken over."""
        while True:
            await asyncio.sleep(self.repo.leases.renew_every)
            try:
                if not await self.repo.renew(lease):
                    logger.error("lease of %s was lost mid-turn", lease.session_id)
                    return
            except Exception:
                logger.exception("renewing the lease of %s failed", lease.session_id)

    async def _release(self, lease: Lease) -> None:
        try:
            await self.repo.release(lease)
        except Exception:
            # It expires by itself; the session is only blocked until then.
            logger.exception("releasing the lease of %s failed", lease.session_id)

    async def _archive_before_restart(self, row: SessionRow) -> None:
        from api.archive import archive_session

        await archive_session(self, row, reason="restart")

    def _spawn(self, work: Awaitable[object]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                logger.exception("background work after a turn failed")

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def run_to_end(self, turn: Turn) -> list[TurnEvent]:
        """Consume a turn whose reply nobody streams (e.g. the end-interview endpoint)."""
        return [event async for event in turn.stream()]

    @property
    def running(self) -> int:
        """Turns of this process still running."""
        return len(self._tasks)

    async def shutdown(self, grace: float = 10.0) -> None:
        """Let running turns finish (bounded), so their replies are committed; cancel the rest
        (they commit nothing, and say so to their clients)."""
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        for task in list(self._background):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._background, return_exceptions=True)

    # --- changes other than turns -----------------------------------------------------------

    async def reset(self, session_id: str) -> None:
        """Forget the interview: the next start begins a new one with the same settings."""
        lease = await self.repo.acquire(session_id, "reset")
        try:
            row = await self.repo.get(session_id)
            if row is None:
                raise SessionNotFound(session_id)
            await self.repo.reset(lease, progress_of(None, row.settings))
        except BaseException:
            await self._release(lease)
            raise
        # The old generation's checkpoints are orphans now; the next turn's commit prunes them.

    async def locked(self, session_id: str, purpose: Literal["delete", "save", "expire"]) -> Lease:
        """Take the lease for a change made outside a turn (delete, save, expiry)."""
        return await self.repo.acquire(session_id, purpose)

    async def release(self, lease: Lease) -> None:
        await self._release(lease)


def _kept(plan: _Plan, head: str) -> list[tuple[str, str]]:
    """What the commit keeps of the session's checkpoints: the one it commits and the head it
    replaces. Everything else is an orphan of an earlier turn, pruned in the commit."""
    keep = [(thread_id(plan.row.session_id, plan.generation), head)]
    if plan.row.head is not None:
        keep.append((plan.row.thread_id, plan.row.head))
    return keep


def _record(plan: _Plan, reply: str, events: list[GraphEvent], state: State) -> TurnRecord | None:
    if plan.key is None:
        return None
    tail: list[TurnEvent] = [*events, state_event(state)]
    if not state.active:
        tail.append(end())
    return TurnRecord(plan.key, plan.request_hash, reply, [dict(event) for event in tail])
