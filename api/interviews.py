"""Running interview turns: one graph run per turn, committed whole or not at all.

A turn runs in its own task, detached from the HTTP request, so a client that disconnects
halfway does not cancel it: the reply is still generated and committed. The graph runs with
`durability="exit"`: the checkpoint is written once, when the run stops at the next
`wait_for_candidate` interrupt (the reply has then finished streaming), so a process killed
mid-turn leaves the previous turn as the latest checkpoint. A run that fails writes an error
checkpoint, which is rolled back at once, so the candidate can simply send the message again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command, StateSnapshot

from api.projections import progress_of, state_event
from api.store import SessionStore
from graph.context import Context
from graph.graph import InterviewGraph
from graph.llm import classify_error
from graph.state import InputState, InterviewSettings, State
from graph.text import END_MARKER

if TYPE_CHECKING:
    from api.report_store import ReportStore

logger = logging.getLogger(__name__)

GraphInput = InputState | Command[Any]
EventKind = Literal["token", "flag", "state", "end", "error", "done"]


@dataclass(frozen=True)
class TurnEvent:
    """One thing a turn tells its client."""

    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)


class SessionBusy(Exception):
    """Another turn of this session is still running."""


class TurnRefused(Exception):
    """The turn cannot run in the session's current state (the message says why)."""


class TurnLimitReached(Exception):
    """The session has had as many turns as one interview may have."""


class Overloaded(Exception):
    """The process runs as many turns at once as it is allowed to."""


@dataclass
class Turn:
    """A running turn: its events, read by whoever streams them."""

    queue: asyncio.Queue[TurnEvent | None] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    flush_interval: float = 0.0
    """Seconds to gather tokens after the first before writing them (0: write as they come)."""

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
            while event.kind == "token" and not self.queue.empty():
                following = self.queue.get_nowait()
                if following is not None and following.kind == "token":
                    joined = event.data["text"] + following.data["text"]
                    event = TurnEvent("token", {"text": joined})
                    continue
                yield event
                if following is None:
                    return
                event = following
            sent_token = sent_token or event.kind == "token"
            yield event


def _thread(session_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": session_id}}


def state_of(snapshot: StateSnapshot) -> State | None:
    """The interview state of a snapshot, or None for a session not started."""
    if not snapshot.values:
        return None
    return State(**snapshot.values)


def is_committed(snapshot: StateSnapshot) -> bool:
    """A turn boundary: waiting for the candidate, or finished."""
    if not snapshot.values:
        return True
    if not snapshot.next:
        return True
    return snapshot.next == ("wait_for_candidate",) and bool(snapshot.interrupts)


class InterviewService:
    """Starts interviews and runs candidate turns against the checkpointed graph."""

    def __init__(
        self,
        graph: InterviewGraph,
        saver: AsyncSqliteSaver,
        store: SessionStore,
        context: Context,
        keep_checkpoints: int = 2,
        max_active_turns: int = 500,
        max_turns_per_session: int = 300,
        stream_flush_interval: float = 0.0,
    ) -> None:
        self.graph = graph
        self.saver = saver
        self.store = store
        self.context = context
        self.keep_checkpoints = keep_checkpoints
        self.max_active_turns = max_active_turns
        self.max_turns_per_session = max_turns_per_session
        self.stream_flush_interval = stream_flush_interval
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_finished: Callable[[str], None] | None = None
        """Told (it must not block) when a committed turn leaves the interview finished."""
        self.reports: ReportStore | None = None
        """Finished interviews' reports, for the saved session documents (set by api.reports)."""

    # --- reading ----------------------------------------------------------------------------

    async def snapshot(self, session_id: str) -> StateSnapshot:
        return await self.graph.aget_state(_thread(session_id))

    async def state(self, session_id: str) -> State | None:
        return state_of(await self.snapshot(session_id))

    def is_busy(self, session_id: str) -> bool:
        return session_id in self._busy

    # --- turns ------------------------------------------------------------------------------

    async def start(self, session_id: str, settings: InterviewSettings) -> Turn:
        """Start the interview: greet the candidate (400-worthy if one is in progress)."""
        self._claim_now(session_id)
        try:
            # The registry row, read after the claim, is current: it is written before a turn
            # releases its claim, and reading it is far cheaper than decoding the checkpoint.
            row = await self.store.get(session_id)
            if row is not None and row.active:
                raise TurnRefused("Interview already in progress")
            if row is not None and row.started:
                # A finished interview starts afresh, like the original service did.
                await self.saver.adelete_thread(session_id)
            return self._launch(session_id, InputState(settings=settings))
        except BaseException:
            self._busy.discard(session_id)
            raise

    async def send(self, session_id: str, message: str, kind: Literal["user", "system"]) -> Turn:
        """A candidate message or an admin command, as the next turn."""
        self._claim_now(session_id)
        try:
            row = await self.store.get(session_id)
            if row is None or not row.active:
                raise TurnRefused("No active interview in this session")
            if row.turns >= self.max_turns_per_session:
                raise TurnLimitReached(
                    f"This interview has reached its limit of {self.max_turns_per_session} turns"
                )
            return self._launch(session_id, Command(resume={"type": kind, "message": message}))
        except BaseException:
            self._busy.discard(session_id)
            raise

    def _claim_now(self, session_id: str) -> None:
        if session_id in self._busy:
            raise SessionBusy(session_id)
        if len(self._busy) >= self.max_active_turns:
            raise Overloaded(len(self._busy))
        self._busy.add(session_id)

    def _launch(self, session_id: str, graph_input: GraphInput) -> Turn:
        turn = Turn(flush_interval=self.stream_flush_interval)
        task = asyncio.create_task(self._drive(session_id, graph_input, turn.queue))
        turn.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return turn

    async def _drive(
        self, session_id: str, graph_input: GraphInput, queue: asyncio.Queue[TurnEvent | None]
    ) -> None:
        try:
            state = await self._run_graph(session_id, graph_input, queue)
        except asyncio.CancelledError:
            await asyncio.shield(self.rollback(session_id))
            self._finish(session_id, queue)
            raise
        except Exception as exc:
            logger.exception("turn failed for session %s", session_id)
            await self.rollback(session_id)
            queue.put_nowait(TurnEvent("error", classify_error(exc)))
            self._finish(session_id, queue)
            return
        # The checkpoint is saved: the turn is committed whatever happens to the bookkeeping,
        # which start-up recovery repairs if it fails here.
        try:
            await self.store.record(session_id, progress_of(state, state.settings))
            await self._prune(session_id)
        except Exception:
            logger.exception("registry update after a committed turn failed for %s", session_id)
        queue.put_nowait(TurnEvent("state", state_event(state)))
        if not state.active:
            queue.put_nowait(TurnEvent("end", {"marker": END_MARKER}))
        queue.put_nowait(TurnEvent("done"))
        self._finish(session_id, queue)
        if not state.active and self.on_finished is not None:
            self.on_finished(session_id)

    async def _run_graph(
        self, session_id: str, graph_input: GraphInput, queue: asyncio.Queue[TurnEvent | None]
    ) -> State:
        """One graph run, its events forwarded; the state at the turn boundary it reached.

        A run that returns normally stopped at the candidate's interrupt or at the end, and its
        last `values` event is that state: no need to read the checkpoint back.
        """
        values: dict[str, Any] | None = None
        async for mode, chunk in self.graph.astream(
            graph_input,
            _thread(session_id),
            context=self.context,
            stream_mode=["custom", "values"],
            durability="exit",
        ):
            if mode == "custom":
                queue.put_nowait(_event_of(chunk))
            elif isinstance(chunk, dict):
                values = chunk
        if not values:
            raise RuntimeError("the turn produced no state")
        # The last event at an interrupt also carries `__interrupt__`, which is not state.
        return State(**{k: v for k, v in values.items() if not k.startswith("__")})

    def _finish(self, session_id: str, queue: asyncio.Queue[TurnEvent | None]) -> None:
        self._busy.discard(session_id)
        queue.put_nowait(None)

    async def run_to_end(self, turn: Turn) -> list[TurnEvent]:
        """Consume a turn whose reply nobody streams (e.g. the end-interview endpoint)."""
        return [event async for event in turn.events()]

    async def shutdown(self) -> None:
        """Let running turns finish (bounded), so their replies are committed."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)

    # --- checkpoints ------------------------------------------------------------------------

    async def rollback(self, session_id: str) -> None:
        """Delete checkpoints past the last turn boundary (a failed or interrupted turn)."""
        while True:
            snapshot = await self.snapshot(session_id)
            if is_committed(snapshot):
                return
            checkpoint_id = snapshot.config["configurable"]["checkpoint_id"]
            logger.warning(
                "rolling back uncommitted checkpoint %s of %s", checkpoint_id, session_id
            )
            await self._delete_checkpoints(session_id, "checkpoint_id = ?", (checkpoint_id,))

    async def _prune(self, session_id: str) -> None:
        # Each checkpoint holds the whole state; older ones are dead weight for the API.
        await self._delete_checkpoints(
            session_id,
            "checkpoint_id NOT IN (SELECT checkpoint_id FROM checkpoints WHERE thread_id = ?"
            " AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT ?)",
            (session_id, self.keep_checkpoints),
        )

    async def _delete_checkpoints(
        self, session_id: str, where: str, params: tuple[Any, ...]
    ) -> None:
        async with self.saver.lock:
            for table in ("writes", "checkpoints"):
                await self.saver.conn.execute(
                    f"DELETE FROM {table} WHERE thread_id = ? AND {where}",
                    (session_id, *params),
                )
            await self.saver.conn.commit()

    async def delete(self, session_id: str) -> None:
        await self.saver.adelete_thread(session_id)


def _event_of(chunk: Any) -> TurnEvent:
    if isinstance(chunk, dict) and chunk.get("event") == "flag":
        return TurnEvent("flag", {k: v for k, v in chunk.items() if k != "event"})
    if isinstance(chunk, dict) and chunk.get("event") == "token":
        return TurnEvent("token", {"text": chunk.get("text", "")})
    return TurnEvent("token", {"text": str(chunk)})
