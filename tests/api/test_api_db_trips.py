"""What one turn costs the SQLite database: trips to the thread that owns the connection.

Each trip is a hand-off between the event loop and that thread (a future, two wake-ups, the GIL
passed over and back); with aiosqlite a turn made about two dozen, one per execute, fetch,
cursor close and commit. Counted, not timed: the figure is exact on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.sessions.sqlite_thread import SqliteThread
from tests.support.server import Api, ThreadedServer

TRIPS_PER_CHAT_TURN = 6
"""Claim the lease and read the row; read the head checkpoint, and the thread's latest (LangGraph
checks whether the checkpoint it resumes from was superseded); write the new checkpoint and its
pending writes; commit, with the prune. The route itself reads nothing: the claim reads the row."""


def test_a_chat_turn_costs_six_trips_to_the_sqlite_thread(
    make_server: Callable[..., ThreadedServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_server()
    trips: list[str] = []
    run = SqliteThread.run

    async def counted(self: SqliteThread, fn: Callable[..., Any], *args: Any) -> Any:
        trips.append(getattr(fn, "__qualname__", repr(fn)))
        return await run(self, fn, *args)

    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        assert api.chat_text(sid, "Hello, I am Ana.").status_code == 200
        monkeypatch.setattr(SqliteThread, "run", counted)
        reply = api.chat_text(sid, "I led the migration of our billing service to Python 3.")
        monkeypatch.setattr(SqliteThread, "run", run)
    assert reply.status_code == 200 and reply.text
    assert len(trips) <= TRIPS_PER_CHAT_TURN, trips
