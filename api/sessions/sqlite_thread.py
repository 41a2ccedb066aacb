"""One thread that owns the SQLite connection, and LangGraph's SQLite saver run on it.

aiosqlite runs each call of a statement (execute, fetch, close the cursor, commit) as its own
trip to its thread: a future, a wake-up of the thread, the GIL handed over and back, a wake-up of
the event loop. A turn made about twenty-four of them (lease, row, checkpoint read and write,
prune, commit), the second-largest share of a turn's CPU after the LLM stream. Here a whole
operation (a transaction, or LangGraph's whole `get_tuple`) is one function run on the thread:
one trip each.

`ThreadedSqliteSaver` is LangGraph's own synchronous `SqliteSaver` (the same tables and
format as `AsyncSqliteSaver`), each method called on that thread. The thread is also what
serialises this process' writers: it runs one function at a time, and every function commits
before it returns, so no transaction waits on another of this process; other processes wait on
the file's lock (the busy timeout).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.sqlite import SqliteSaver

T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 10.0


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with a busy timeout, so readers never block the writer.

    Write transactions start IMMEDIATE: a deferred one that read first and then wants to write
    fails at once with "database is locked" (no busy wait) if another process committed in
    between; taking the write lock up front makes it wait its turn instead.
    """
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level="IMMEDIATE",
        check_same_thread=False,
    )
    # Worker processes opening a new file together: switching it to WAL needs the file to
    # itself and can answer "database is locked" without waiting, so it is retried.
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(0.05)
    conn.execute("PRAGMA synchronous=NORMAL").fetchall()
    # Deleted rows are overwritten with zeros, not left in free pages: an erased candidate's
    # words must not linger in the file (the WAL is emptied after an erasure: `scrub`).
    conn.execute("PRAGMA secure_delete=ON").fetchall()
    return conn


class SqliteThread:
    """The connection and the one thread that uses it."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        assert self._conn is not None, "open() first"
        return self._conn

    async def open(self, path: Path) -> None:
        self._conn = await self.run(connect, path)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the thread (one trip)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args))

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the thread, from a thread that is not running the event loop."""
        return self._pool.submit(fn, *args).result()

    async def close(self) -> None:
        if self._conn is not None:
            await self.run(self._conn.close)
            self._conn = None
        self._pool.shutdown(wait=True)


def transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """`fn(conn)` as one transaction: committed if it returns, rolled back if it raises (a
    connection left inside a failed transaction would fail every later write)."""
    try:
        result = fn(conn)
        conn.commit()
        return result
    except BaseException:
        conn.rollback()
        raise


class ThreadedSqliteSaver(BaseCheckpointSaver[str]):
    """LangGraph's `SqliteSaver`, every call made on the connection's thread."""

    def __init__(self, thread: SqliteThread) -> None:
        self._thread = thread
        self.inner = SqliteSaver(thread.conn)
        super().__init__(serde=self.inner.serde)
        self._addressed: dict[tuple[str, str], CheckpointTuple] = {}
        """The checkpoint last read by its id, per (thread, namespace), until the thread's
        next read or write (see `_get_tuple`)."""

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> ThreadedSqliteSaver:
        # The strict-msgpack allowlist a compiled graph derives must reach the saver that
        # actually decodes: the inner one.
        inner = self.inner.with_allowlist(extra_allowlist)
        if inner is self.inner:
            return self
        clone = copy.copy(self)
        clone.inner = inner  # type: ignore[assignment]
        clone.serde = inner.serde
        return clone

    def setup(self) -> None:
        self._thread.call(self.inner.setup)

    async def asetup(self) -> None:
        await self._thread.run(self.inner.setup)

    # --- async: what the graph uses ---------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self._thread.run(self._get_tuple, config)

    def _get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """`SqliteSaver.get_tuple`, without decoding one checkpoint twice in a row.

        A run that resumes from a checkpoint named by id (the session's head) reads it, then
        reads the thread's latest to learn whether it was superseded: nearly always the same
        checkpoint, whose whole state (the transcript) would be decoded a second time. When
        the latest's id, one indexed lookup, is the checkpoint just read, that read is reused.
        Any write to the thread in between drops it.
        """
        configurable = config["configurable"]
        key = (str(configurable["thread_id"]), str(configurable.get("checkpoint_ns", "")))
        recent = self._addressed.pop(key, None)
        if configurable.get("checkpoint_id"):
            found = self.inner.get_tuple(config)
            if found is not None:
                self._addressed[key] = found
            return found
        if recent is not None:
            latest = self._thread.conn.execute(
                "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?"
                " ORDER BY checkpoint_id DESC LIMIT 1",
                key,
            ).fetchone()
            if latest is not None and latest[0] == recent.config["configurable"]["checkpoint_id"]:
                return recent
        return self.inner.get_tuple(config)

    # Writes, on the thread like the reads, so the reuse above never outlives a change.

    def _forget(self, config: RunnableConfig) -> None:
        configurable = config.get("configurable", {})
        key = (str(configurable.get("thread_id")), str(configurable.get("checkpoint_ns", "")))
        self._addressed.pop(key, None)

    def _put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._forget(config)
        return self.inner.put(config, checkpoint, metadata, new_versions)

    def _put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, path: str
    ) -> None:
        self._forget(config)
        self.inner.put_writes(config, writes, task_id, path)

    # Reads, on the thread: the listing is read whole there (SqliteSaver's generator holds
    # its cursor and lock while it is iterated).

    def _list(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
        limit: int | None,
    ) -> list[CheckpointTuple]:
        return list(self.inner.list(config, filter=filter, before=before, limit=limit))

    def _delta_history(self, config: RunnableConfig, channels: Sequence[str]) -> Mapping[str, Any]:
        return self.inner.get_delta_channel_history(config=config, channels=channels)

    def _delete_thread(self, thread_id: str) -> None:
        for key in [k for k in self._addressed if k[0] == thread_id]:
            del self._addressed[key]
        self.inner.delete_thread(thread_id)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for item in await self._thread.run(self._list, config, filter, before, limit):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await self._thread.run(self._put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self._thread.run(self._put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self._thread.run(self._delete_thread, thread_id)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, Any]:
        return await self._thread.run(self._delta_history, config, channels)

    # --- sync: for callers on other threads (never the event loop's) -------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self._thread.call(self._get_tuple, config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        return iter(self._thread.call(self._list, config, filter, before, limit))

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self._thread.call(self._put, config, checkpoint, metadata, new_versions)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._thread.call(self._put_writes, config, writes, task_id, task_path)

    def delete_thread(self, thread_id: str) -> None:
        self._thread.call(self._delete_thread, thread_id)

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, Any]:
        return self._thread.call(self._delta_history, config, channels)

    def get_next_version(self, current: str | None, channel: None) -> str:
        return self.inner.get_next_version(current, channel)
