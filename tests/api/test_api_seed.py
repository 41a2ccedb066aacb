"""The API seeds every interview of a session with the session's seed, through the graph's
input (the graph no longer reads it from the thread id): a reset or restarted session replays
the same interview for the same answers."""

from __future__ import annotations

from collections.abc import Callable

from api.sessions import LeasePolicy, open_repository
from api.sessions.threads import session_seed, thread_config
from graph.graph import build_graph
from graph.state import State
from tests.support.server import Api, ThreadedServer

ANSWER = "I rebuilt our deployment pipeline so releases took minutes instead of hours."


async def _seed_at_head(server: ThreadedServer, session_id: str) -> tuple[int, int]:
    """The seed in the session's head checkpoint and its generation, read from the database
    by a repository of this test's own (as another process would)."""
    repo = open_repository(None, str(server.settings.db_path), LeasePolicy(), 1)
    await repo.setup()
    try:
        row = await repo.get(session_id)
        assert row is not None and row.head is not None
        graph = build_graph(checkpointer=repo.saver)
        snapshot = await graph.aget_state(thread_config(session_id, row.generation, row.head))
        return State(**snapshot.values).seed, row.generation
    finally:
        await repo.close()


async def test_every_interview_of_a_session_is_seeded_with_the_sessions_seed(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server()
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        first = [api.start_text(sid).text, api.chat_text(sid, ANSWER).text]
        assert await _seed_at_head(server, sid) == (session_seed(sid), 0)
        assert api.http.post(f"/reset/{sid}").status_code == 200
        again = [api.start_text(sid).text, api.chat_text(sid, ANSWER).text]
        assert await _seed_at_head(server, sid) == (session_seed(sid), 1)
    assert again == first
