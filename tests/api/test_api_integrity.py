"""Integrity signals over HTTP: ChatMessage `signals` validated, timed on the server, shown in
/security-info as evidence; answer time limits (issue 21)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.server import SUBSTANTIVE_ANSWER, Api, ThreadedServer

PLAN = {
    "candidate_name": "Ana Lopez",
    "job_position": "Backend Engineer",
    "skills": ["python"],
    "technical_questions": 2,
    "behavioral_questions": 1,
}
TYPED = "I like building reliable backend services that people depend on every day."


def chat(api: Api, sid: str, message: str, signals: Any = None, **extra: Any) -> Any:
    body: dict[str, Any] = {"message": message, "session_id": sid, "type": "user", **extra}
    if signals is not None:
        body["signals"] = signals
    return api.http.post(f"/chat/{sid}", json=body)


def started(api: Api, **settings: Any) -> str:
    sid = api.create(**(PLAN | settings))
    assert api.start_text(sid).status_code == 200
    return sid


@pytest.mark.parametrize(
    ("signals", "field"),
    [
        ({"keystrokes": -1}, "keystrokes"),
        ({"keystrokes": 10**9}, "keystrokes"),
        ({"keystrokes": "12"}, "keystrokes"),
        ({"first_key_ms": 86_400_001}, "first_key_ms"),
        ({"typing_ms": 1.5}, "typing_ms"),
        ({"pastes": [{"length": -3, "at_ms": 0}]}, "length"),
        ({"pastes": [{"length": 3}]}, "at_ms"),
        ({"pastes": [{"length": 1, "at_ms": 1}] * 201}, "pastes"),
        ({"hidden": [{"at_ms": 5, "duration_ms": -1}]}, "duration_ms"),
        ({"blurs": "often"}, "blurs"),
        ("pasted", "signals"),
    ],
)
def test_out_of_range_signals_are_422_naming_the_field_and_nothing_is_recorded(
    api: Api, signals: Any, field: str
) -> None:
    sid = started(api)
    before = api.history(sid)
    response = chat(api, sid, TYPED, signals)
    assert response.status_code == 422, response.text
    assert any(field in [str(p) for p in error["loc"]] for error in response.json()["detail"])
    assert api.history(sid) == before


def test_unknown_signal_fields_are_ignored(api: Api) -> None:
    sid = started(api)
    signals = {"keystrokes": len(TYPED), "typing_ms": 9000, "mouse_moves": 40, "text": "x"}
    response = chat(api, sid, TYPED, signals, mood="fine")
    assert response.status_code == 200, response.text
    [kept] = api.security(sid)["integrity"]["answers"]
    assert kept["client"]["keystrokes"] == len(TYPED)
    assert "mouse_moves" not in kept["client"] and "text" not in kept["client"]


def test_an_answer_without_signals_behaves_as_before_and_is_timed_on_the_server(
    api: Api,
) -> None:
    with_none = started(api)
    plain = api.chat_text(with_none, "My name is Ana.")  # the seed's client: no signals
    assert plain.status_code == 200
    time.sleep(1.2)
    assert api.chat_text(with_none, TYPED).status_code == 200
    security = api.security(with_none)
    assert security["potential_cheat_attempts"] == 0 and security["events"] == []
    first, second = security["integrity"]["answers"]
    assert first["client"] is None and first["pasted_share"] is None
    assert second["seconds_to_answer"] >= 1.2
    words = len(TYPED.split())
    assert second["words_per_minute"] == pytest.approx(
        words / (second["seconds_to_answer"] / 60), rel=0.05
    )
    assert "no page signals" in second["note"].lower()
    # The same interview (a reset replays it for the same answers) with signals: the same.
    without = api.history(with_none)
    assert api.http.post(f"/reset/{with_none}").status_code == 200
    assert api.start_text(with_none).status_code == 200
    chat(api, with_none, "My name is Ana.", {"keystrokes": 15, "typing_ms": 3000})
    chat(api, with_none, TYPED, {"keystrokes": len(TYPED), "typing_ms": 20000})
    assert api.history(with_none) == without


def test_a_pasted_answer_is_evidence_with_a_note_and_never_a_cheat(api: Api) -> None:
    sid = started(api)
    chat(api, sid, "My name is Ana.", {"keystrokes": 15, "typing_ms": 3000})
    signals = {
        "first_key_ms": 4000,
        "typing_ms": 300,
        "keystrokes": 0,
        "pastes": [{"length": len(SUBSTANTIVE_ANSWER), "at_ms": 4000}],
        "hidden": [{"at_ms": 1000, "duration_ms": 2500}],
        "blurs": [{"at_ms": 900, "duration_ms": 2700}],
    }
    assert chat(api, sid, SUBSTANTIVE_ANSWER, signals).status_code == 200
    security = api.security(sid)
    assert security["potential_cheat_attempts"] == 0
    integrity = security["integrity"]
    answer = integrity["answers"][-1]
    assert answer["pasted_share"] == 1.0
    assert {"mostly_pasted", "implausibly_fast", "left_page"} <= set(answer["flags"])
    assert answer["note"].startswith("About 100% of this answer was pasted, 4 s after the question")
    assert "hidden once, 2 s in all" in answer["note"]  # 2.5 s
    assert integrity["summary"].startswith("1 of 2 answers mostly pasted")
    assert integrity["counts"]["mostly_pasted"] == 1 and integrity["counts"]["answers"] == 2
    assert "never verdicts" in integrity["note"]
    assert api.sessions()[sid]["potential_cheat_attempts"] == 0


def test_a_long_answer_with_few_keystrokes_and_no_paste_is_inconsistent(api: Api) -> None:
    sid = started(api)
    chat(api, sid, "My name is Ana.", {"keystrokes": 15, "typing_ms": 3000})
    chat(api, sid, SUBSTANTIVE_ANSWER, {"keystrokes": 12, "typing_ms": 2000})
    answer = api.security(sid)["integrity"]["answers"][-1]
    assert "inconsistent" in answer["flags"]
    assert "page saw only 12 keystrokes and 0 pasted characters" in answer["note"]


def test_no_time_limit_by_default(api: Api) -> None:
    sid = started(api)
    status = api.status(sid)
    assert "answer_deadline" not in status and "answer_time_limit_seconds" not in status


def test_a_time_limit_gives_a_deadline_and_a_late_answer_is_kept_and_labelled(
    api: Api,
) -> None:
    sid = started(api, answer_time_limit_seconds=1)
    status = api.status(sid)
    assert status["answer_time_limit_seconds"] == 1
    assert status["answer_deadline"] and status["answer_seconds_left"] <= 1
    time.sleep(1.3)
    assert chat(api, sid, "My name is Ana.").status_code == 200  # late, never refused
    labelled = api.http.get(f"/conversation-history/{sid}", params={"labels": "true"}).json()
    answer = [m for m in labelled["history"] if m["role"] == "user"][-1]
    assert answer["content"] == "My name is Ana." and answer["label"]["late"] is True
    kept = api.security(sid)["integrity"]["answers"][-1]
    assert kept["late"] and "late:" in kept["note"]
    assert api.status(sid)["questions_asked"] == 1  # the interview went on as usual
    assert api.status(sid)["answer_seconds_left"] > 0  # a new question, a new deadline


def test_a_time_limit_out_of_range_is_422(api: Api) -> None:
    for value in (-1, 86_401, True, "60"):
        response = api.http.post("/create-session", json={"answer_time_limit_seconds": value})
        assert response.status_code == 422, value


def test_the_server_default_time_limit_is_fixed_into_new_sessions(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(answer_time_limit_seconds=120)
    with Api(server.base_url) as api:
        default = api.create()
        off = api.create(answer_time_limit_seconds=0)
        api.start_text(default)
        api.start_text(off)
        assert api.status(default)["answer_time_limit_seconds"] == 120
        assert 100 < api.status(default)["answer_seconds_left"] <= 120
        assert "answer_deadline" not in api.status(off)
