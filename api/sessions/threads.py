"""Checkpoint threads of sessions: the one module that builds and reads their ids.

Every interview of a session (a reset or a restart starts another) is one LangGraph thread,
`<session id>:<generation>`. The repository's SQL finds a session's threads, and those of
deleted sessions, by that shape; nothing else builds or parses a thread id. The interview graph
does not see it at all: it gets the session's seed in its input.
"""

from __future__ import annotations

import hashlib
from typing import Any

from langchain_core.runnables import RunnableConfig

SEPARATOR = ":"
SESSION_ID_CHARS = 36
"""A session id is a canonical UUID: 36 characters, so its threads' ids start with 37."""


def thread_id(session_id: str, generation: int) -> str:
    """The thread of one interview of a session."""
    return f"{session_id}{SEPARATOR}{generation}"


def thread_config(
    session_id: str, generation: int, checkpoint_id: str | None = None
) -> RunnableConfig:
    """The LangGraph config of that thread (at `checkpoint_id`, else at its latest)."""
    configurable: dict[str, Any] = {"thread_id": thread_id(session_id, generation)}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def thread_range(session_id: str) -> tuple[str, str]:
    """Bounds [low, high) holding exactly the session's threads in a bytewise order (SQLite):
    ';' sorts right after ':', so the range uses the checkpoint tables' primary key."""
    return f"{session_id}{SEPARATOR}", f"{session_id};"


def thread_prefix_pattern(session_id: str) -> str:
    """A LIKE pattern of the session's threads (a UUID has no LIKE wildcards)."""
    return f"{session_id}{SEPARATOR}%"


# A thread of some session that no longer exists: the session id its first 36 characters.
ORPHAN_THREAD_SQL = (
    f"length(thread_id) > {SESSION_ID_CHARS + 1}"
    f" AND substr(thread_id, {SESSION_ID_CHARS + 1}, 1) = '{SEPARATOR}'"
    f" AND substr(thread_id, 1, {SESSION_ID_CHARS})"
    " NOT IN (SELECT session_id FROM interviewer_sessions)"
)


def session_seed(session_id: str) -> int:
    """The seed of every interview of the session (the graph's input): a reset session replays
    the same interview for the same answers."""
    return int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:4], "big")
