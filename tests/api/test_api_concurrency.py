"""One turn at a time per session, many sessions at a time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from graph.text import END_MARKER
from tests.support.server import (
    SHORT_ANSWER,
    Api,
    TextReply,
    ThreadedServer,
    astream_text,
    max_chats,
)

BUSY = {"detail": "A reply is still being generated for this session; wait for it to finish."}


def test_two_simultaneous_chats_on_one_session_give_one_200_and_one_409(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(offline_token_delay=0.02)  # a reply streams for ~0.8 s
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        history = api.history(sid)
        status = api.status(sid)

        barrier = threading.Barrier(2)

        def send(message: str) -> tuple[str, TextReply]:
            with Api(server.base_url) as own:
                barrier.wait(timeout=10)
                return message, own.chat_text(sid, message)

        messages = ["I like the product and the team.", "I like the mission of the company."]
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(send, messages))

        assert sorted(reply.status_code for _, reply in results) == [200, 409]
        (won, reply), (_, refused) = sorted(results, key=lambda r: r[1].status_code)
        assert refused.json() == BUSY
        assert reply.text.rstrip()[-1:] in ("?", ".")  # a whole question
        # Exactly one new turn: the accepted message and its reply, nothing of the refused one.
        assert api.history(sid) == [
            *history,
            {"role": "user", "content": won},
            {"role": "assistant", "content": reply.text},
        ]
        assert api.status(sid)["questions_asked"] == status["questions_asked"] + 1
        # The session is free again.
        assert api.chat_text(sid, SHORT_ANSWER).status_code == 200
        assert api.status(sid)["questions_asked"] == status["questions_asked"] + 2


def test_session_endpoints_that_change_a_session_answer_409_while_a_reply_streams(
    make_server: Callable[..., ThreadedServer],
) -> None:
    # The reply streams for ~0.8 s: far longer than the five requests sent meanwhile.
    server = make_server(offline_token_delay=0.02)
    with Api(server.base_url) as api, Api(server.base_url) as other:
        sid = api.create(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
        assert api.start_text(sid).status_code == 200
        body = {"message": "I like the product and the team.", "session_id": sid}
        with api.http.stream("POST", f"/chat/{sid}", json=body) as streaming:
            chunks = streaming.iter_text()
            first = next(chunks)
            for method, path in [
                ("POST", f"/chat/{sid}"),
                ("POST", f"/start-interview/{sid}"),
                ("POST", f"/reset/{sid}"),
                ("DELETE", f"/session/{sid}"),
                ("POST", f"/end-interview/{sid}"),
            ]:
                kwargs: dict[str, Any] = {"json": body} if path.startswith("/chat") else {}
                response = other.http.request(method, path, **kwargs)
                assert (path, response.status_code) == (path, 409)
                assert response.json() == BUSY
            # Reading is still allowed while the reply streams.
            assert other.status(sid)["active"] is True
            text = first + "".join(chunks)
        assert api.history(sid)[-1] == {"role": "assistant", "content": text}
        assert api.status(sid)["questions_asked"] == 1


def _settings(index: int) -> dict[str, Any]:
    return {
        "candidate_name": f"Candidate {index}",
        "skills": ["python", "go"],
        "behavioral_questions": index % 3,
        "technical_questions": 1 + index % 2,
        "custom_questions": [f"Custom question number {index}?"] if index % 2 else None,
    }


def _total(settings: dict[str, Any]) -> int:
    customs = settings["custom_questions"] or []
    return int(settings["behavioral_questions"] + settings["technical_questions"] + len(customs))


async def _whole_interview(client: httpx.AsyncClient, index: int) -> tuple[str, list[str]]:
    try:
        return await _interview(client, index)
    except httpx.TransportError as exc:
        raise AssertionError(f"session {index}: the connection broke: {exc!r}") from exc


async def _interview(client: httpx.AsyncClient, index: int) -> tuple[str, list[str]]:
    created = await client.post("/create-session", json=_settings(index))
    sid: str = created.json()["session_id"]
    code, text = await astream_text(client, f"/start-interview/{sid}")
    assert code == 200, text
    replies = [text]
    while END_MARKER not in replies[-1]:
        assert len(replies) <= max_chats(_total(_settings(index))), f"session {index} never ended"
        body = {"message": SHORT_ANSWER, "session_id": sid}
        code, text = await astream_text(client, f"/chat/{sid}", json=body)
        assert code == 200, text
        replies.append(text)
    return sid, replies


async def test_twenty_sessions_in_parallel_all_finish_whole_interviews_with_correct_counts(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server()
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
        runs = await asyncio.gather(*(_whole_interview(client, i) for i in range(20)))
        sessions = (await client.get("/sessions")).json()
        for index, (sid, replies) in enumerate(runs):
            total = _total(_settings(index))
            status = (await client.get(f"/interview-status/{sid}")).json()
            assert (status["active"], status["questions_asked"]) == (False, total), index
            assert status["total_expected_questions"] == total
            entry = sessions[sid]
            assert (entry["interview_active"], entry["questions_asked"]) == (False, total), index
            history = (await client.get(f"/conversation-history/{sid}")).json()["history"]
            assert [h["content"] for h in history if h["role"] == "assistant"] == replies
            assert replies[-1].endswith(END_MARKER)
            # No reply of another session leaked into this one.
            said = "\n".join(replies)
            assert f"Candidate {index}" in replies[0]
            for other in range(20):
                if other != index:
                    assert f"Custom question number {other}?" not in said
            if index % 2:
                assert f"Custom question number {index}?" in said


async def test_parallel_interviews_commit_every_turn_while_a_dashboard_polls_the_registry(
    make_server: Callable[..., ThreadedServer],
) -> None:
    # An admin dashboard refreshing /sessions and the status of a session while candidates
    # answer: every reply must still be committed whole and every request answered.
    server = make_server()
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
        watched = (await client.post("/create-session", json={})).json()["session_id"]
        failures: list[tuple[str, object]] = []
        done = asyncio.Event()

        async def get(path: str) -> httpx.Response | None:
            """The response, or None (and a recorded failure) for anything but a 200."""
            try:
                response = await client.get(path)
            except httpx.TransportError as exc:
                failures.append((path, repr(exc)))
                return None
            if response.status_code != 200:
                failures.append((path, response.status_code))
                return None
            return response

        async def dashboard(path: str) -> None:
            while not done.is_set():
                await get(path)

        paths = ["/sessions"] * 4 + [f"/interview-status/{watched}"] * 2
        pollers = [asyncio.create_task(dashboard(path)) for path in paths]
        try:
            runs = await asyncio.gather(*(_whole_interview(client, i) for i in range(20)))
        finally:
            done.set()
            await asyncio.gather(*pollers)
        lost = []  # sessions where a reply the candidate read is not in the history
        for index, (sid, replies) in enumerate(runs):
            response = await get(f"/conversation-history/{sid}")
            if response is None:
                continue
            history = response.json()["history"]
            if [h["content"] for h in history if h["role"] == "assistant"] != replies:
                lost.append(index)
        assert (len(failures), lost) == (0, []), (
            f"{len(failures)} dashboard requests failed (e.g. {failures[:3]}); "
            f"streamed replies missing from the history of sessions {lost}"
        )
