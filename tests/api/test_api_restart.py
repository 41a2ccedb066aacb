"""An interview outlives its server process: stop it (SIGTERM), start another on the same DB."""

from __future__ import annotations

import signal
from collections.abc import Callable

from graph.text import END_MARKER
from tests.support.server import (
    SHORT_ANSWER,
    Api,
    SubprocessServer,
    is_final,
    max_chats,
    wait_until,
)


def questions(history: list[dict[str, str]]) -> list[str]:
    return [
        [p for p in item["content"].split("\n\n") if p.strip()][-1]
        for item in history
        if item["role"] == "assistant"
    ]


def test_interview_continues_after_restart_from_the_same_question_with_the_same_counts(
    make_process: Callable[..., SubprocessServer],
) -> None:
    first = make_process()
    with Api(first.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=3, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        api.chat_text(sid, "I like the product and the team.")
        api.chat_text(sid, "I once rewrote our release process after an outage.")
        status = api.status(sid)
        history = api.history(sid)
        security = api.security(sid)
        sessions = api.sessions()[sid]
    assert (status["stage"], status["questions_asked"], status["active"]) == ("behavioral", 2, True)
    first.stop(signal.SIGTERM)

    second = make_process()
    with Api(second.base_url) as api:
        assert api.status(sid) == status
        assert api.history(sid) == history
        assert api.security(sid) == security
        after_restart = api.sessions()[sid]
        assert after_restart | {"last_access": None} == sessions | {"last_access": None}

        # The candidate now answers the question asked before the restart...
        answer = "I mentored a new hire through their first on-call rotation."
        reply = api.chat_text(sid, answer)
        assert reply.status_code == 200, reply.body
        assert api.history(sid) == [
            *history,
            {"role": "user", "content": answer},
            {"role": "assistant", "content": reply.text},
        ]
        # ...and the interview moves on by exactly one main question, never asking one again.
        now = api.status(sid)
        assert (now["stage"], now["questions_asked"], now["active"]) == ("behavioral", 3, True)
        assert questions(api.history(sid))[-1] not in questions(history)

        # It then runs to its end with exact counts.
        while not is_final(reply.text):
            assert len(api.history(sid)) < 2 * max_chats(4) + 2
            reply = api.chat_text(sid, SHORT_ANSWER)
        assert reply.text.endswith(END_MARKER)
        final = api.status(sid)
        assert (final["active"], final["questions_asked"], final["total_expected_questions"]) == (
            False,
            4,
            4,
        )
    second.stop(signal.SIGTERM)


def test_turn_cut_by_a_killed_process_is_not_committed_and_can_be_sent_again(
    make_process: Callable[..., SubprocessServer],
) -> None:
    first = make_process(INTERVIEWER_OFFLINE_TOKEN_DELAY="0.01", INTERVIEWER_LEASE_SECONDS="1.5")
    with Api(first.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        status = api.status(sid)
        history = api.history(sid)
        answer = "I like the product and the team."
        body = {"message": answer, "session_id": sid}
        with api.http.stream("POST", f"/chat/{sid}", json=body) as response:
            assert response.status_code == 200
            next(response.iter_text())
            first.stop(signal.SIGKILL)  # mid-reply: no graceful shutdown

    second = make_process(INTERVIEWER_LEASE_SECONDS="1.5")
    with Api(second.base_url) as api:
        assert api.status(sid) == status
        assert api.history(sid) == history
        # The dead process's lease holds the session until it expires (409), then frees it.
        reply = wait_until(
            lambda: (r := api.chat_text(sid, answer)).status_code != 409 and r,
            timeout=10,
            interval=0.2,
            what="the dead process's lease to expire",
        )
        assert reply.status_code == 200, reply.body
        assert api.history(sid) == [
            *history,
            {"role": "user", "content": answer},
            {"role": "assistant", "content": reply.text},
        ]
        assert api.status(sid)["questions_asked"] == status["questions_asked"] + 1
    second.stop(signal.SIGTERM)


def test_sigterm_during_a_reply_lets_it_finish_and_commits_it(
    make_process: Callable[..., SubprocessServer],
) -> None:
    first = make_process(INTERVIEWER_OFFLINE_TOKEN_DELAY="0.01")
    with Api(first.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        history = api.history(sid)
        answer = "I like the product and the team."
        body = {"message": answer, "session_id": sid}
        with api.http.stream("POST", f"/chat/{sid}", json=body) as response:
            chunks = response.iter_text()
            head = next(chunks)
            assert first.process is not None
            first.process.send_signal(signal.SIGTERM)  # graceful: the reply streams to its end
            reply = head + "".join(chunks)
        assert reply.rstrip()[-1:] in ("?", ".")  # a whole question
        first.stop(signal.SIGTERM)

    second = make_process()
    with Api(second.base_url) as api:
        assert api.history(sid) == [
            *history,
            {"role": "user", "content": answer},
            {"role": "assistant", "content": reply},
        ]
        assert api.status(sid)["questions_asked"] == 1
    second.stop(signal.SIGTERM)
