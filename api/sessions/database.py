"""The port between the session repository and a database: statements in, rows out.

An adapter (`sqlite.py`, `postgres.py`) owns its connections and LangGraph's checkpointer on
them, knows its start-up lock, and runs already rendered statements. Everything about *what*
those statements are lives above it (`schema.py`, `migrations.py`, `repository.py`).
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from langgraph.checkpoint.base import BaseCheckpointSaver

from api.sessions.dialect import Dialect
from api.sessions.migrations import LockedConnection

T = TypeVar("T")

Step = tuple[str, tuple[Any, ...]]
"""A statement in the adapter's dialect and its parameters."""


@dataclass(frozen=True)
class Outcome:
    """What one statement did: the rows it changed, the rows it returned."""

    changed: int
    rows: list[tuple[Any, ...]] = field(default_factory=list)


class Database(abc.ABC):
    dialect: Dialect
    _saver: BaseCheckpointSaver[str] | None = None

    @property
    def saver(self) -> BaseCheckpointSaver[str]:
        """LangGraph's checkpointer on this database (once set up)."""
        assert self._saver is not None, "setup() first"
        return self._saver

    @property
    @abc.abstractmethod
    def where(self) -> str:
        """The database, as a person reading a log would name it (no credentials)."""

    @abc.abstractmethod
    async def setup(self, migrate: Callable[[LockedConnection], Awaitable[object]]) -> None:
        """Connect, set up the checkpointer's tables, and run `migrate` under the start-up
        lock: processes starting together on one database run it one at a time."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def bounded(self, work: Awaitable[T]) -> T:
        """`work` (a read of the checkpointer, which runs its own statements), bounded like
        this adapter's own statements: DatabaseUnavailable past the bound."""
        return await work

    async def reachable(self, connect_seconds: float) -> None:  # noqa: B027
        """Raise unless the database accepts a connection within `connect_seconds` (start-up
        waits for it); an embedded file always does."""

    @abc.abstractmethod
    async def run(
        self, steps: Sequence[Step], *, atomic: bool = True, guarded: bool = False
    ) -> list[Outcome] | None:
        """Run `steps` in order on one connection, in one transaction if `atomic`. `guarded`:
        unless the first changes exactly one row, roll everything back and return None."""

    async def scrub(self) -> None:
        """After an erasure: make sure no copy of deleted rows remains outside the tables
        (SQLite's write-ahead log). Nothing to do where deleted rows are simply gone."""
        return None

    async def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows one statement returns."""
        outcomes = await self.run([(sql, params)], atomic=False)
        assert outcomes is not None
        return outcomes[0].rows
