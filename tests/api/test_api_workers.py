"""`python -m api` with several worker processes on one database (INTERVIEWER_WORKERS)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import httpx

from api.__main__ import worker_count
from api.config import Settings
from tests.support.server import SHORT_ANSWER, Api, SubprocessServer, is_final, max_chats


def _worker_of(api: Api) -> int:
    response = api.http.get("/healthz")
    assert response.status_code == 200, response.text
    worker: int = response.json()["worker"]
    return worker


def _client_on_another_worker(base_url: str, taken: int, tries: int = 50) -> tuple[Api, int]:
    """A client whose keep-alive connection was accepted by a worker other than `taken`."""
    for _ in range(tries):
        api = Api(base_url)
        worker = _worker_of(api)
        if worker != taken:
            return api, worker
        api.close()
    raise AssertionError(f"every one of {tries} new connections went to worker {taken}")


def test_two_workers_serve_one_session_turn_by_turn_from_both(
    make_process: Callable[..., SubprocessServer],
) -> None:
    server = make_process(INTERVIEWER_WORKERS="2")
    with Api(server.base_url) as first:
        one = _worker_of(first)
        second, two = _client_on_another_worker(server.base_url, one)
        with second:
            sid = first.create(candidate_name="Ana", behavioral_questions=1, technical_questions=1)
            assert first.start_text(sid).status_code == 200
            served: set[int] = set()
            text = ""
            for turn in range(max_chats(2)):
                api = (first, second)[turn % 2]
                reply = api.chat_text(sid, f"{SHORT_ANSWER} (turn {turn})")
                assert reply.status_code == 200, reply.body
                # Still the same connection, so still the same worker.
                served.add(_worker_of(api))
                text = reply.text
                if is_final(text):
                    break
            assert is_final(text), "the interview did not end"
            assert served == {one, two}
            history = second.history(sid)
            roles = [m["role"] for m in history]
            assert roles == [("assistant", "user")[i % 2] for i in range(len(roles))]
            assert first.status(sid) == second.status(sid)
            assert first.status(sid)["active"] is False

    server.stop(signal.SIGTERM)
    # The supervisor stopped both workers, and each ran the app's shutdown.
    assert server.log().count("Application shutdown complete.") == 2, server.log()


def test_workers_default_to_one_per_usable_core() -> None:
    assert worker_count(Settings(workers=3)) == 3
    assert worker_count(Settings(workers=None)) == len(os.sched_getaffinity(0))


def test_healthz_names_the_worker_process(
    make_process: Callable[..., SubprocessServer],
) -> None:
    server = make_process()
    assert server.process is not None
    assert httpx.get(server.base_url + "/healthz").json()["worker"] == server.process.pid
