"""A finished interview cannot be erased, and the hiring side can always close an interview.

(Hardening issue, items 9 and 10.) Starting a finished interview again archives it first and
is the hiring side's call only; the candidate's turn cap never blocks an admin command.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.support.server import Api, ThreadedServer

ADMIN = "admin-secret-token"
SETTINGS = {"candidate_name": "Ana", "behavioral_questions": 1, "technical_questions": 0}


def test_restarting_a_finished_interview_archives_it_first(api: Api) -> None:
    sid = api.create(**SETTINGS)
    api.start_text(sid)
    api.chat_text(sid, "I enjoy building reliable backend services.")
    assert api.http.post(f"/end-interview/{sid}").status_code == 200
    finished = api.history(sid)
    cheats = api.security(sid)

    restarted = api.start_text(sid)
    assert restarted.status_code == 200
    assert len(api.history(sid)) == 1  # a new interview

    saved = api.http.get(f"/saved-sessions/{sid}").json()
    assert saved["history"] == finished
    assert saved["potential_cheat_attempts"] == cheats["potential_cheat_attempts"]
    listed = api.http.get("/saved-sessions").json()
    reasons = [s["reason"] for s in listed if s["session_id"] == sid]
    assert reasons == ["restart"]


def test_a_candidate_token_cannot_restart_a_finished_interview(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token=ADMIN)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        body = http.post("/create-session", json=SETTINGS, headers=admin).json()
        sid, token = body["session_id"], body["candidate_token"]
        candidate = {"Authorization": f"Bearer {token}"}
        assert http.post(f"/start-interview/{sid}", headers=candidate).status_code == 200
        assert http.post(f"/end-interview/{sid}", headers=admin).status_code == 200
        before = http.get(f"/conversation-history/{sid}", headers=admin).json()["history"]

        refused = http.post(f"/start-interview/{sid}", headers=candidate)
        assert refused.status_code == 400
        assert "finished" in refused.json()["detail"]
        after = http.get(f"/conversation-history/{sid}", headers=admin).json()["history"]
        assert after == before


def test_at_the_turn_limit_the_admin_can_still_end_the_interview(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(max_turns_per_session=2)
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana", behavioral_questions=5)
        api.start_text(sid)
        assert api.chat_text(sid, "I like it").status_code == 200
        assert api.chat_text(sid, "A story about a project").status_code == 200
        assert api.chat_text(sid, "Another answer").status_code == 429
        stats = api.chat_text(sid, "get_stats", "system")
        assert stats.status_code == 200 and stats.text.startswith("Interview progress")
        assert api.http.post(f"/end-interview/{sid}").status_code == 200
        assert api.status(sid)["active"] is False
        assert api.history(sid)[-1]["content"].rstrip().endswith("End of interview.")
