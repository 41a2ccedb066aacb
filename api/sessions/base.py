"""The session repository: the one place that owns a session, whatever the database.

A session is one row: its identity and settings, its *head* (the checkpoint the next turn
resumes from, on the thread of the interview's current generation), the progress fields the
head implies, and a *lease*. Every change to a session (a turn, reset, delete, save, expiry)
first takes the lease, a row-level claim held in the database with an expiry, so any process on
the same database can serve any session and a crashed holder frees it within seconds.

A turn commits in one conditional update that moves the head together with its progress (and
records the turn's idempotency key), guarded by the lease token: a turn that fails or whose
process dies commits nothing, and its checkpoints are orphans that the next commit prunes.
Nothing ever deletes the head of a live session to "roll back".

Backends implement this class in their own module (`sqlite.py`, `postgres.py`); the service
never touches a backend's tables.
"""

from __future__ import annotations

import abc
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver

from graph.state import InterviewSettings

LeasePurpose = Literal["turn", "reset", "delete", "save", "expire", "evaluate"]


def now_iso() -> str:
    """Timestamps as the seed shows them: ISO 8601 with microseconds (UTC, naive)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def thread_id_of(session_id: str, generation: int) -> str:
    """The checkpoint thread of one interview of a session (a reset or restart starts another)."""
    return f"{session_id}:{generation}"


def session_of_thread(thread_id: str) -> str:
    return thread_id.partition(":")[0]


@dataclass(frozen=True)
class Progress:
    """What the head implies, kept beside it so lists and statuses need no checkpoint read."""

    started: bool
    active: bool
    stage: str
    questions_asked: int
    total_expected_questions: int
    cheat_attempts: int
    turns: int


@dataclass(frozen=True)
class SessionRow(Progress):
    """One session: identity, settings, head and progress (read in one statement)."""

    session_id: str
    created_at: str
    last_access: str
    settings: InterviewSettings
    token_hash: str | None
    generation: int
    head: str | None
    """Checkpoint id the next turn resumes from; None before the first committed start."""

    @property
    def thread_id(self) -> str:
        return thread_id_of(self.session_id, self.generation)


@dataclass(frozen=True)
class Lease:
    """A claim on one session, held in the database until released or expired."""

    session_id: str
    token: str
    purpose: LeasePurpose

    @classmethod
    def new(cls, session_id: str, purpose: LeasePurpose) -> Lease:
        return cls(session_id, secrets.token_hex(16), purpose)


@dataclass(frozen=True)
class TurnRecord:
    """A committed turn remembered under its idempotency key: replayed, never re-run."""

    key: str
    request_hash: str
    reply: str
    events: list[dict[str, Any]]
    """The turn's non-token events (flag, state, end) in order, as the SSE `data` objects with
    an `event` key, so a replay tells an SSE client exactly what the original did."""


@dataclass(frozen=True)
class Commit:
    """What a turn commits: the new head (on `generation`'s thread) and its progress."""

    generation: int
    head: str
    progress: Progress
    record: TurnRecord | None = None


@dataclass(frozen=True)
class SavedSummary:
    session_id: str
    saved_at: str
    reason: str


class SessionNotFound(Exception):
    """No such session (or it was deleted)."""


class SessionBusy(Exception):
    """Another change of this session holds its lease (a reply is still being generated)."""

    def __init__(self, session_id: str, purpose: str | None = "turn") -> None:
        super().__init__(session_id)
        self.session_id = session_id
        self.purpose = purpose or "turn"


class LeaseLost(Exception):
    """The lease expired and another holder took the session: this change was not committed."""


class SessionRepository(abc.ABC):
    """Sessions, their leases, checkpoints, idempotency keys, saved documents and reports."""

    backend: str
    lease_seconds: float

    @property
    @abc.abstractmethod
    def saver(self) -> BaseCheckpointSaver[str]:
        """The LangGraph checkpointer on the same database."""

    # --- lifecycle ------------------------------------------------------------------------

    @abc.abstractmethod
    async def setup(self) -> None:
        """Create tables if missing. Constant time: no scan of existing sessions."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    # --- sessions -------------------------------------------------------------------------

    @abc.abstractmethod
    async def create(
        self, session_id: str, settings: InterviewSettings, token_hash: str | None
    ) -> None: ...

    @abc.abstractmethod
    async def get(self, session_id: str) -> SessionRow | None: ...

    @abc.abstractmethod
    async def by_token_hash(self, token_hash: str) -> SessionRow | None: ...

    @abc.abstractmethod
    async def all(self) -> list[SessionRow]: ...

    @abc.abstractmethod
    async def touch(self, session_id: str) -> None:
        """Record an access (last_access) without a lease: it changes no interview state."""

    @abc.abstractmethod
    async def idle_since(self, cutoff: str) -> list[str]:
        """Sessions whose last access is older than `cutoff` (a `now_iso()` timestamp)."""

    # --- leases ---------------------------------------------------------------------------

    @abc.abstractmethod
    async def acquire(self, session_id: str, purpose: LeasePurpose) -> Lease:
        """Claim the session; SessionBusy while another live lease holds it, SessionNotFound."""

    async def claim(self, session_id: str, purpose: LeasePurpose) -> tuple[Lease, SessionRow]:
        """`acquire`, and the row read under the lease (a backend may do both in one trip)."""
        lease = await self.acquire(session_id, purpose)
        try:
            row = await self.get(session_id)
        except BaseException:
            await self.release(lease)
            raise
        if row is None:
            await self.release(lease)
            raise SessionNotFound(session_id)
        return lease, row

    @abc.abstractmethod
    async def renew(self, lease: Lease) -> bool:
        """Push the lease's expiry out; False when it was lost."""

    @abc.abstractmethod
    async def release(self, lease: Lease) -> None: ...

    # --- changes (each under the caller's lease) ------------------------------------------

    @abc.abstractmethod
    async def commit(
        self,
        lease: Lease,
        expected_head: str | None,
        commit: Commit,
        keep: list[tuple[str, str]] | None = None,
    ) -> None:
        """Move the head and its progress and release the lease, in one conditional update
        (and record the turn's key in the same transaction); LeaseLost if not ours. With
        `keep`, every other checkpoint of the session's threads (orphans of failed turns, old
        generations) is removed in that transaction too, but the (thread_id, checkpoint_id)
        pairs in `keep`: nothing is pruned unless the head moves."""

    @abc.abstractmethod
    async def reset(self, lease: Lease, progress: Progress) -> None:
        """Forget the interview and release the lease: a new, empty generation (the old
        thread's checkpoints are orphans for the next prune)."""

    @abc.abstractmethod
    async def delete(self, lease: Lease) -> None:
        """Remove the session, its checkpoints, keys and report (saved documents stay)."""

    @abc.abstractmethod
    async def prune_deleted(self) -> int:
        """Remove checkpoints of threads whose session no longer exists; how many threads."""

    # --- idempotency ----------------------------------------------------------------------

    @abc.abstractmethod
    async def committed_turn(self, session_id: str, key: str) -> TurnRecord | None: ...

    # --- saved sessions -------------------------------------------------------------------

    @abc.abstractmethod
    async def save_document(self, session_id: str, reason: str, document: dict[str, Any]) -> None:
        """Keep a saved session document in the database, readable from every replica."""

    @abc.abstractmethod
    async def saved_documents(self) -> list[SavedSummary]: ...

    @abc.abstractmethod
    async def saved_document(self, session_id: str) -> dict[str, Any] | None:
        """The latest saved document of the session, even after it was deleted."""

    # --- evaluation reports ---------------------------------------------------------------

    @abc.abstractmethod
    async def save_report(self, session_id: str, report: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    async def get_report(self, session_id: str) -> dict[str, Any] | None: ...

    # --- replica-wide duties --------------------------------------------------------------

    @abc.abstractmethod
    async def claim_duty(self, name: str, owner: str, seconds: float) -> bool:
        """Whether `owner` holds the named duty (e.g. the sweeper) for the next `seconds`:
        one replica at a time does it, another takes over when the holder stops renewing."""
