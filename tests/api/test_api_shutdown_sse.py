"""SIGTERM during an SSE reply (issue 13, item 5): the reply finishes within the grace and is
committed, or, past the grace, ends with an `error` event and is not committed. Either way the
client knows whether to send its answer again. Real server processes, real signals.

Each test runs the signalled process next to a second one on the same database file (replicas,
as a deployment runs them): the second, never signalled, checks what was committed once the
first has exited, and serves the slow process's sessions their fast greeting (at 0.3 s a token
the greeting alone took ~15 s)."""

from __future__ import annotations

import signal
from collections.abc import Callable

from tests.support.server import Api, SseEvent, SubprocessServer, parse_sse


def _sse_turn_with_sigterm(
    api: Api, server: SubprocessServer, sid: str, answer: str
) -> list[SseEvent]:
    """Send `answer` as SSE; SIGTERM the server once the first token is in; all the events."""
    body = {"message": answer, "session_id": sid}
    headers = {"Accept": "text/event-stream"}
    events: list[SseEvent] = []
    with api.http.stream("POST", f"/chat/{sid}", json=body, headers=headers) as response:
        assert response.status_code == 200
        for event in parse_sse(response.iter_lines()):
            events.append(event)
            if len(events) == 1:
                assert event.event == "token"
                assert server.process is not None
                server.process.send_signal(signal.SIGTERM)
    return events


def test_sigterm_lets_an_sse_reply_finish_with_state_and_done_and_commits_it(
    make_processes: Callable[..., list[SubprocessServer]],
) -> None:
    first, second = make_processes({"INTERVIEWER_OFFLINE_TOKEN_DELAY": "0.02"}, {})
    with Api(first.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        history = api.history(sid)
        answer = "I like the product and the team."
        events = _sse_turn_with_sigterm(api, first, sid, answer)
    kinds = [e.event for e in events]
    assert kinds[-2:] == ["state", "done"], kinds
    reply = "".join(e.data["text"] for e in events if e.event == "token")
    assert reply.rstrip()[-1:] in ("?", ".")  # a whole question (some end "... to the fix.")
    first.stop(signal.SIGTERM)

    with Api(second.base_url) as api:
        assert api.history(sid) == [
            *history,
            {"role": "user", "content": answer},
            {"role": "assistant", "content": reply},
        ]
    second.stop(signal.SIGTERM)


def test_past_the_grace_an_sse_reply_ends_with_an_error_event_and_is_not_committed(
    make_processes: Callable[..., list[SubprocessServer]],
) -> None:
    first, second = make_processes(
        {"INTERVIEWER_OFFLINE_TOKEN_DELAY": "0.3", "INTERVIEWER_SHUTDOWN_GRACE_SECONDS": "0.5"},
        {},
    )
    with Api(second.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        history = api.history(sid)
    with Api(first.base_url) as api:
        events = _sse_turn_with_sigterm(api, first, sid, "I like the product and the team.")
    kinds = [e.event for e in events]
    assert kinds[-1] == "error", kinds
    assert "done" not in kinds and "state" not in kinds
    assert events[-1].data["code"] == "shutting_down"
    first.stop(signal.SIGTERM)

    with Api(second.base_url) as api:
        assert api.history(sid) == history  # nothing recorded: sending again is right
        assert api.chat_text(sid, "I like the product and the team.").status_code == 200
    second.stop(signal.SIGTERM)
