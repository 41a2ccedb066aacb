"""Issue 22's breaks 4, 9, 10, 11 and 12, each as the attack that found it.

4: idempotency keys outlived a reset; 9: an unwritable saved-sessions folder multiplied saved
documents and made DELETE answer 500; 10: reads wrote `last_access`; 11: a pool of one
connection deadlocked start-up; 12: admin commands used up the candidate's turn allowance.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.config import Settings
from devkit.processes import clean_env, free_port
from tests.support.server import Api, ThreadedServer, wait_until


def test_a_key_used_before_a_reset_starts_and_answers_the_new_interview(api: Api) -> None:
    sid = api.create(candidate_name="Ana", behavioral_questions=1, technical_questions=1)
    first = api.start_text(sid, key="start")
    assert first.status_code == 200
    assert api.chat_text(sid, "I build backend services.", key="answer-1").status_code == 200
    assert api.http.post(f"/reset/{sid}").status_code == 200

    again = api.start_text(sid, key="start")
    assert again.status_code == 200
    status = api.status(sid)
    assert status["active"] is True and status["stage"] != "created", status
    # A chat reusing a key of the old interview runs as a new turn, not a replay.
    reply = api.chat_text(sid, "I build backend services.", key="answer-1")
    assert reply.status_code == 200
    assert len(api.history(sid)) == 3  # the new greeting, the answer, the reply to it
    # Within the new interview the key replays as before, without a new turn.
    replayed = api.chat_text(sid, "I build backend services.", key="answer-1")
    assert replayed.status_code == 200 and replayed.text == reply.text
    assert len(api.history(sid)) == 3


def test_admin_commands_do_not_use_up_the_candidates_turn_allowance(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(max_turns_per_session=2)
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=3)
        api.start_text(sid)
        for _ in range(4):
            assert api.chat_text(sid, "get_stats", kind="system").status_code == 200
        assert api.chat_text(sid, "I like building things").status_code == 200
        assert api.chat_text(sid, "A story about a project").status_code == 200
        assert api.chat_text(sid, "One more answer").status_code == 429


def test_status_and_history_reads_do_not_write_last_access(api: Api) -> None:
    sid = api.create(candidate_name="Ana")
    api.start_text(sid)
    before = api.sessions()[sid]["last_access"]
    time.sleep(0.02)
    api.status(sid)
    api.conversation(sid)
    assert api.http.get(f"/conversation-history/{sid}", params={"labels": True}).status_code == 200
    assert api.sessions()[sid]["last_access"] == before


def _unwritable(tmp_path: Path) -> Path:
    # A regular file where the folder's parent should be: no process, root included, can
    # create the folder (a chmod would not stop root).
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    return blocker / "sessions"


def test_delete_with_an_unwritable_sessions_folder_answers_200_with_one_document(
    make_server: Callable[..., ThreadedServer], tmp_path: Path
) -> None:
    server = make_server(sessions_dir=_unwritable(tmp_path))
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana")
        api.start_text(sid)
        deleted = api.http.delete(f"/session/{sid}")
        assert deleted.status_code == 200, deleted.text
        assert "the database" in deleted.json()["message"]
        assert api.http.get(f"/interview-status/{sid}").status_code == 404
        saved = [s for s in api.http.get("/saved-sessions").json() if s["session_id"] == sid]
        assert [s["reason"] for s in saved] == ["deleted"]
        assert api.http.get(f"/saved-sessions/{sid}").json()["history"]


def test_the_sweeper_with_an_unwritable_sessions_folder_saves_one_document_and_expires(
    make_server: Callable[..., ThreadedServer], tmp_path: Path
) -> None:
    server = make_server(
        sessions_dir=_unwritable(tmp_path),
        session_timeout_minutes=0.001,
        sweep_interval_seconds=0.1,
    )
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Idle Ian")
        api.start_text(sid)  # the idle rule applies once started (an invitation waits)
        wait_until(lambda: sid not in api.sessions(), timeout=10, what="the sweep")
        time.sleep(0.5)  # several more sweeps
        saved = [s for s in api.http.get("/saved-sessions").json() if s["session_id"] == sid]
        assert [s["reason"] for s in saved] == ["expired"]


def test_saving_twice_keeps_one_document_per_reason_the_latest(api: Api) -> None:
    sid = api.create(candidate_name="Ana")
    api.start_text(sid)
    assert api.http.post(f"/save-session/{sid}").status_code == 200
    wait_until(lambda: api.http.get(f"/saved-sessions/{sid}").status_code == 200, what="a save")
    # The save runs in the background under the session's lease: wait until it is free.
    wait_until(
        lambda: api.chat_text(sid, "I build backend services.").status_code == 200,
        what="the chat after the save",
    )
    assert api.http.post(f"/save-session/{sid}").status_code == 200
    wait_until(
        lambda: len(api.http.get(f"/saved-sessions/{sid}").json()["history"]) == 3,
        what="the latest save",
    )
    saved = [s for s in api.http.get("/saved-sessions").json() if s["session_id"] == sid]
    assert [s["reason"] for s in saved] == ["saved"]


def test_a_pool_of_one_connection_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="at least 2"):
        Settings(_env_file=None, db_pool_size=1)  # type: ignore[call-arg]


def test_start_up_with_a_pool_of_one_exits_at_once_naming_the_setting(tmp_path: Path) -> None:
    env = clean_env(
        {
            "INTERVIEWER_DB_POOL_SIZE": "1",
            "INTERVIEWER_HOST": "127.0.0.1",
            "INTERVIEWER_PORT": str(free_port()),
            "INTERVIEWER_DB_PATH": str(tmp_path / "db.sqlite"),
        }
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "api"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("start-up with INTERVIEWER_DB_POOL_SIZE=1 did not stop")
    assert done.returncode == 2, done.stderr
    assert "INTERVIEWER_DB_POOL_SIZE must be at least 2" in done.stderr
    assert "Traceback" not in done.stderr
