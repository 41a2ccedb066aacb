"""Several real API processes on one database: any replica serves any session.

Two `python -m api` processes on one PostgreSQL database (and two on one SQLite file): a chat to
one while the other streams that session's turn is 409; a replica killed mid-turn frees the
session when its lease expires and the other goes on with nothing lost or doubled; the sweeper
runs on one replica at a time; saved sessions are readable from every replica.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.postgres import fresh_database
from tests.support.server import Api, SubprocessServer, wait_until

SETTINGS = {"candidate_name": "Ana", "behavioral_questions": 2, "technical_questions": 1}
ANSWER = "I enjoy building reliable backend services for hiring teams."
LEASE = "1.5"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def postgres_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SubprocessServer]]:
    """Two replicas on one PostgreSQL database for the tests that leave both running (each
    makes its own sessions): one pair of start-ups instead of one per test."""
    root = tmp_path_factory.mktemp("postgres-pair")
    with fresh_database() as url:
        env = {
            "INTERVIEWER_LEASE_SECONDS": LEASE,
            "INTERVIEWER_DATABASE_URL": url,
            "INTERVIEWER_OFFLINE_TOKEN_DELAY": "0.02",
        }
        # Launched together on a new database: their setups (LangGraph's migrations) must
        # take turns, which they once did not (UniqueViolation at start-up).
        pair = [SubprocessServer(root, **env).launch() for _ in range(2)]
        try:
            for process in pair:
                process.wait_ready()
            yield pair
        finally:
            for process in pair:
                process.kill()


def _replicas(
    make_process: Callable[..., SubprocessServer], count: int, **env: str
) -> list[SubprocessServer]:
    return [make_process(INTERVIEWER_LEASE_SECONDS=LEASE, **env) for _ in range(count)]


def _sqlite_pair(
    make_processes: Callable[..., list[SubprocessServer]], **env: str
) -> list[SubprocessServer]:
    """Two processes on one SQLite file, launched together."""
    both = {"INTERVIEWER_LEASE_SECONDS": LEASE, **env}
    return make_processes(both, both)


def _cross_replica_409(first: SubprocessServer, second: SubprocessServer) -> None:
    with Api(first.base_url) as a, Api(second.base_url) as b:
        sid = a.create(**SETTINGS)
        assert b.start_text(sid).status_code == 200
        body = {"message": ANSWER, "session_id": sid}
        with a.http.stream("POST", f"/chat/{sid}", json=body) as running:
            assert running.status_code == 200
            chunks = running.iter_text()
            head = next(chunks)
            busy = b.chat_text(sid, "Another answer")
            assert busy.status_code == 409, busy.body
            assert b.http.post(f"/reset/{sid}").status_code == 409
            assert b.http.delete(f"/session/{sid}").status_code == 409
            reply = head + "".join(chunks)
        # Committed once, visible from both.
        expected = [{"role": "user", "content": ANSWER}, {"role": "assistant", "content": reply}]
        assert b.history(sid)[1:] == a.history(sid)[1:] == expected
        assert b.status(sid) == a.status(sid)


def _killed_replica_then_other(first: SubprocessServer, second: SubprocessServer) -> None:
    with Api(first.base_url) as a:
        sid = a.create(**SETTINGS)
        assert a.start_text(sid).status_code == 200
        history = a.history(sid)
        body = {"message": ANSWER, "session_id": sid}
        with a.http.stream("POST", f"/chat/{sid}", json=body) as running:
            assert running.status_code == 200
            next(running.iter_text())
            first.stop(signal.SIGKILL)
    with Api(second.base_url) as b:
        assert b.history(sid) == history
        killed_at = time.monotonic()
        reply = wait_until(
            lambda: (r := b.chat_text(sid, ANSWER)).status_code != 409 and r,
            timeout=15,
            interval=0.2,
            what="the killed replica's lease to expire",
        )
        assert reply.status_code == 200, reply.body
        assert time.monotonic() - killed_at < 10  # freed within seconds
        assert b.history(sid) == [
            *history,
            {"role": "user", "content": ANSWER},
            {"role": "assistant", "content": reply.text},
        ]
        assert b.status(sid)["questions_asked"] == 1
        # The interview goes on to its end on the surviving replica.
        text = reply.text
        for _ in range(12):
            if text.rstrip().endswith("End of interview."):
                break
            text = b.chat_text(sid, ANSWER).text
        assert text.rstrip().endswith("End of interview.")
        assert b.status(sid)["questions_asked"] == 3


# --- PostgreSQL ------------------------------------------------------------------------------


def test_postgres_a_chat_to_one_replica_while_another_streams_the_turn_is_409(
    postgres_pair: list[SubprocessServer],
) -> None:
    _cross_replica_409(*postgres_pair)


def test_postgres_a_replica_killed_mid_turn_frees_the_session_for_another(
    postgres_url: str, make_process: Callable[..., SubprocessServer]
) -> None:
    first, second = _replicas(
        make_process,
        2,
        INTERVIEWER_DATABASE_URL=postgres_url,
        INTERVIEWER_OFFLINE_TOKEN_DELAY="0.01",
    )
    _killed_replica_then_other(first, second)


def test_postgres_the_sweeper_runs_on_one_replica_at_a_time(
    postgres_url: str, make_process: Callable[..., SubprocessServer]
) -> None:
    replicas = _replicas(
        make_process,
        2,
        INTERVIEWER_DATABASE_URL=postgres_url,
        INTERVIEWER_SESSION_TIMEOUT_MINUTES="0.01",
        INTERVIEWER_SWEEP_INTERVAL_SECONDS="0.2",
    )
    with Api(replicas[0].base_url) as a, Api(replicas[1].base_url) as b:
        sessions = [a.create(**SETTINGS) for _ in range(6)]
        # The idle rule is for started interviews (an invitation has its own lifetime).
        for sid in sessions:
            a.start_text(sid)
        wait_until(lambda: not a.sessions(), timeout=20, what="every session to expire")
        saved = b.http.get("/saved-sessions").json()
    expired = [s["session_id"] for s in saved if s["reason"] == "expired"]
    assert sorted(expired) == sorted(sessions)  # each exactly once
    swept_by = [
        r for r in replicas if re.search(r"expired idle session", r.log(), flags=re.IGNORECASE)
    ]
    assert len(swept_by) == 1


def test_postgres_saved_sessions_are_readable_from_every_replica(
    postgres_pair: list[SubprocessServer],
) -> None:
    first, second = postgres_pair
    with Api(first.base_url) as a, Api(second.base_url) as b:
        sid = a.create(**SETTINGS)
        a.start_text(sid)
        assert a.http.delete(f"/session/{sid}").status_code == 200
        assert b.http.get(f"/interview-status/{sid}").status_code == 404
        document = b.http.get(f"/saved-sessions/{sid}").json()
        assert document["session_id"] == sid and len(document["history"]) == 1


# --- SQLite ----------------------------------------------------------------------------------


def test_sqlite_two_processes_on_one_file_serve_the_same_sessions_safely(
    make_processes: Callable[..., list[SubprocessServer]],
) -> None:
    first, second = _sqlite_pair(make_processes, INTERVIEWER_OFFLINE_TOKEN_DELAY="0.02")
    _cross_replica_409(first, second)


def test_sqlite_a_process_killed_mid_turn_frees_the_session_for_another(
    make_processes: Callable[..., list[SubprocessServer]],
) -> None:
    first, second = _sqlite_pair(make_processes, INTERVIEWER_OFFLINE_TOKEN_DELAY="0.01")
    _killed_replica_then_other(first, second)


def test_sqlite_a_process_on_a_symlink_to_the_file_shares_its_sessions_and_leases(
    tmp_path: Path, make_process: Callable[..., SubprocessServer]
) -> None:
    first = make_process(INTERVIEWER_OFFLINE_TOKEN_DELAY="0.02")
    link = tmp_path / "elsewhere" / "link.sqlite"
    link.parent.mkdir()
    link.symlink_to(first.db_path)
    second = make_process(INTERVIEWER_OFFLINE_TOKEN_DELAY="0.02", INTERVIEWER_DB_PATH=str(link))
    _cross_replica_409(first, second)


def test_sqlite_a_hard_link_to_the_database_is_refused_at_start_up(
    tmp_path: Path, make_process: Callable[..., SubprocessServer]
) -> None:
    first = make_process()
    link = tmp_path / "hard.sqlite"
    os.link(first.db_path, link)
    with pytest.raises(RuntimeError, match="hard link"):
        make_process(INTERVIEWER_DB_PATH=str(link))
