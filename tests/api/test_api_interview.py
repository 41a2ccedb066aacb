"""Whole interviews through the HTTP API, read as plain text and as SSE."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

import pytest

from graph.text import END_MARKER
from tests.support.server import (
    CHEAT_MESSAGE,
    SUBSTANTIVE_ANSWER,
    Api,
    SseReply,
    TextReply,
    ThreadedServer,
    is_final,
    max_chats,
)

CUSTOM_QUESTION = "Can you walk us through how you would onboard onto our payments monorepo?"
SETTINGS = {
    "candidate_name": "Ana Lima",
    "job_position": "Backend Engineer",
    "skills": ["python", "sql"],
    "behavioral_questions": 2,
    "technical_questions": 2,
    "custom_questions": [CUSTOM_QUESTION],
}
TOTAL = 5
SEED_STATUS_KEYS = (
    "session_id",
    "active",
    "questions_asked",
    "total_expected_questions",
    "stage",
    "job_position",
)
PLAIN_TEXT = "text/plain; charset=utf-8"


@pytest.fixture
def streaming_api(make_server: Callable[..., ThreadedServer]) -> Iterator[Api]:
    # A tiny per-token delay, so that a reply reaches the client as the tokens are produced.
    with Api(make_server(offline_token_delay=0.003).base_url) as client:
        yield client


def test_whole_interview_over_plain_text_streams_in_chunks_counts_exactly_and_ends_with_marker(
    streaming_api: Api,
) -> None:
    api = streaming_api
    sid = api.create(**SETTINGS)
    status = api.status(sid)
    # The seed's fields, as the seed gives them; added ones (the invitation's expiry, consent)
    # come beside them, which a seed client ignores.
    assert {key: status[key] for key in SEED_STATUS_KEYS} | {"stage": None} == {
        "session_id": sid,
        "active": False,
        "questions_asked": 0,
        "total_expected_questions": TOTAL,
        "stage": None,
        "job_position": "Backend Engineer",
    }
    assert set(status) - set(SEED_STATUS_KEYS) <= {"expires_at", "consented", "accommodation"}

    replies: list[TextReply] = [api.start_text(sid)]
    counts = [api.status(sid)["questions_asked"]]
    while not is_final(replies[-1].text):
        assert len(replies) <= max_chats(TOTAL), "the interview never ended"
        replies.append(api.chat_text(sid, SUBSTANTIVE_ANSWER))
        counts.append(api.status(sid)["questions_asked"])

    for reply in replies:
        assert reply.status_code == 200, reply.body
        assert reply.content_type == PLAIN_TEXT
        assert len(reply.chunks) > 1, f"one blob, not a stream: {reply.text!r}"
    # Counts: 0 after the greeting, then +1 per main question (follow-ups don't count).
    assert counts[0] == 0
    assert all(b - a in (0, 1) for a, b in pairwise(counts)), counts
    assert sorted(set(counts)) == list(range(TOTAL + 1)), counts
    assert any(CUSTOM_QUESTION in reply.text for reply in replies)
    # The marker ends the last reply, and only the last one.
    assert replies[-1].text.endswith(END_MARKER)
    assert replies[-1].text.count(END_MARKER) == 1
    assert not any(END_MARKER in reply.text for reply in replies[:-1])

    status = api.status(sid)
    assert status["active"] is False
    assert status["questions_asked"] == status["total_expected_questions"] == TOTAL
    after = api.chat_text(sid, "One more thing?")
    assert after.status_code == 400
    assert after.json() == {"detail": "No active interview in this session"}


def test_plain_text_replies_are_exactly_what_conversation_history_records(
    streaming_api: Api,
) -> None:
    api = streaming_api
    sid = api.create(**SETTINGS)
    streamed = [api.start_text(sid).text]
    answers: list[str] = []
    while not is_final(streamed[-1]):
        assert len(streamed) <= max_chats(TOTAL)
        answers.append(SUBSTANTIVE_ANSWER if len(answers) % 2 else "I enjoy backend work a lot.")
        streamed.append(api.chat_text(sid, answers[-1]).text)

    expected = [{"role": "assistant", "content": streamed[0]}]
    for answer, reply in zip(answers, streamed[1:], strict=True):
        expected += [{"role": "user", "content": answer}, {"role": "assistant", "content": reply}]
    assert api.history(sid) == expected


def _check_sse_turn(reply: SseReply, *, final: bool, flagged: bool) -> None:
    assert reply.status_code == 200, reply.body
    assert reply.content_type.startswith("text/event-stream")
    kinds = reply.kinds
    assert set(kinds) <= {"token", "flag", "state", "end", "done"}, kinds
    assert kinds[-1] == "done" and kinds.count("done") == 1, kinds
    assert kinds.count("state") == 1, kinds
    last_token = max(i for i, kind in enumerate(kinds) if kind == "token")
    assert kinds.index("state") > last_token, "state must follow the reply's tokens"
    if final:
        assert kinds.count("end") == 1, kinds
        assert kinds.index("state") < kinds.index("end") < kinds.index("done"), kinds
        assert reply.of("end")[0].data == {"marker": END_MARKER}
    else:
        assert "end" not in kinds, kinds
    if flagged:
        assert kinds.count("flag") == 1, kinds
        assert kinds.index("flag") < kinds.index("token"), "the flag comes before the warning"
        flag = reply.of("flag")[0].data
        assert flag["category"] == "instruction_injection"
        assert {"turn", "category", "rule", "excerpt", "time"} <= set(flag)
    else:
        assert "flag" not in kinds, kinds
    for event in reply.of("token"):
        assert set(event.data) == {"text"} and isinstance(event.data["text"], str)
    state = reply.of("state")[0].data
    assert set(state) >= {
        "stage",
        "questions_asked",
        "total_expected_questions",
        "active",
        "potential_cheat_attempts",
    }
    assert state["active"] is (not final)


def test_whole_interview_over_sse_sends_typed_events_in_order_and_tokens_match_history(
    streaming_api: Api,
) -> None:
    api = streaming_api
    sid = api.create(**SETTINGS)
    first = api.start_sse(sid)
    _check_sse_turn(first, final=False, flagged=False)
    assert first.of("state")[0].data["questions_asked"] == 0

    replies = [first]
    sent: list[str] = []
    while not is_final(replies[-1].text):
        assert len(replies) <= max_chats(TOTAL) + 1, "the interview never ended"
        message = CHEAT_MESSAGE if len(replies) == 2 else SUBSTANTIVE_ANSWER
        sent.append(message)
        reply = api.chat_sse(sid, message)
        _check_sse_turn(reply, final=is_final(reply.text), flagged=message == CHEAT_MESSAGE)
        replies.append(reply)

    # The state event carries the same counts as the status endpoint after the turn.
    last_state = replies[-1].of("state")[0].data
    assert last_state["questions_asked"] == TOTAL == last_state["total_expected_questions"]
    assert last_state["potential_cheat_attempts"] == 1
    assert last_state["stage"] == "done"
    assert replies[-1].text.endswith(END_MARKER)

    expected = [{"role": "assistant", "content": replies[0].text}]
    for message, reply in zip(sent, replies[1:], strict=True):
        expected += [
            {"role": "user", "content": message},
            {"role": "assistant", "content": reply.text},
        ]
    assert api.history(sid) == expected
