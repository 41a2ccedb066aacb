"""A turn is committed whole or not at all, and the client is told which.

The service promises (api/interviews.py): a turn that fails is rolled back, so the candidate can
simply send the same message again. So a reply that ends in an SSE `error` event must leave
nothing behind, and a turn that was committed must not be reported as failed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tests.support.server import Api, ThreadedServer

ANSWER = "I like the product and the team."


def test_turn_reported_as_failed_over_sse_is_not_committed(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server()
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_sse(sid).status_code == 200
        history = api.history(sid)
        status = api.status(sid)

        # Fault injection: the registry update that follows this session's next turn fails
        # (as a full disk or a locked database would), after the graph has run.
        with sqlite3.connect(server.settings.db_path) as db:
            db.execute(
                "CREATE TRIGGER registry_fault BEFORE UPDATE OF turns ON interviewer_sessions"
                f" WHEN OLD.session_id = '{sid}' AND NEW.turns > OLD.turns"
                " BEGIN SELECT RAISE(ABORT, 'injected registry fault'); END"
            )
        reply = api.chat_sse(sid, ANSWER)
        assert reply.status_code == 200
        after = api.history(sid)

        if "error" in reply.kinds:
            # "Send the same message again": only right if the turn left nothing behind.
            assert after == history, (
                "the client got an error event, yet the turn is in the history: sending the "
                "same message again would answer the next question"
            )
            assert api.status(sid) == status
        else:
            assert reply.kinds[-1] == "done"
            assert after == [
                *history,
                {"role": "user", "content": ANSWER},
                {"role": "assistant", "content": reply.text},
            ]
