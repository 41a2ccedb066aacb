"""A client that goes away mid-reply does not lose the turn: it is committed anyway."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.server import Api, ThreadedServer, wait_until

SETTINGS = {"candidate_name": "Ana", "behavioral_questions": 2, "technical_questions": 1}
ANSWER = "I like the product and the team."


def test_reply_is_committed_whole_when_the_client_disconnects_after_the_first_chunk(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(offline_token_delay=0.01)  # the reply is still streaming at disconnect
    with Api(server.base_url) as api:
        sid = api.create(**SETTINGS)
        greeting = api.start_text(sid).text

        body = {"message": ANSWER, "session_id": sid}
        with api.http.stream("POST", f"/chat/{sid}", json=body) as response:
            assert response.status_code == 200
            first = next(response.iter_text())
        # Leaving the block closed the connection with most of the reply unread: the turn was
        # still running (nothing committed yet) when the client went away.
        assert len(api.history(sid)) == 1

        def committed() -> list[dict[str, str]] | None:
            history = api.history(sid)
            return history if len(history) == 3 else None

        history = wait_until(committed, timeout=15, what="the turn to be committed")
        assert history[:2] == [
            {"role": "assistant", "content": greeting},
            {"role": "user", "content": ANSWER},
        ]
        reply = history[2]["content"]
        assert reply.startswith(first) and len(reply) > len(first)
        assert reply.rstrip()[-1:] in ("?", ".")  # a whole question
        assert api.status(sid)["questions_asked"] == 1
        wait_until(lambda: api.chat_text(sid, "get_stats", "system").status_code == 200)

        # The same turn read to its end (after a reset, the same session replays the same
        # interview) is exactly what was committed for the client that left.
        assert api.http.post(f"/reset/{sid}").status_code == 200
        assert api.start_text(sid).text == greeting
        assert api.chat_text(sid, ANSWER).text == reply
