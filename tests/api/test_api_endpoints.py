"""Every endpoint of the seed: success and error statuses, bodies field by field."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graph.nodes import CHEAT_WARNING
from graph.text import END_MARKER
from tests.support.server import (
    CHEAT_MESSAGE,
    SHORT_ANSWER,
    Api,
    ThreadedServer,
    wait_until,
)

MODEL_NAME = "llama-3.3-70b-versatile"
SMALL = {"candidate_name": "Ana", "behavioral_questions": 2, "technical_questions": 2}

# The seed's examples, as documented.
SEED_SESSION_RESPONSE = {"session_id": "uuid-string", "message": "Session created successfully"}
SEED_STATUS = {
    "session_id": "uuid-string",
    "active": True,
    "questions_asked": 2,
    "total_expected_questions": 8,
}
SEED_HISTORY = {
    "session_id": "uuid-string",
    "model_name": MODEL_NAME,
    "active": True,
    "questions_asked": 3,
    "total_expected_questions": 8,
    "history": [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi, I am Mia, your interviewer..."},
    ],
}
SEED_SESSIONS_ENTRY = {
    "model_name": MODEL_NAME,
    "last_access": "2024-05-12T15:30:45.123456",
    "interview_active": True,
    "questions_asked": 3,
    "total_expected_questions": 8,
}
SEED_MODEL_INFO = {
    "model_name": MODEL_NAME,
    "description": "Pre-configured large language model for interview simulations",
}
SEED_SECURITY = {"session_id": "uuid-string", "potential_cheat_attempts": 0, "active": True}
SEED_SETTINGS = {
    "temperature": 0.7,
    "top_p": 0.9,
    "skills": [],
    "job_position": "",
    "job_description": "",
    "technical_questions": 5,
    "behavioral_questions": 3,
    "custom_questions": None,
    "candidate_name": "",
}

# Every seed endpoint: method, path, and a valid JSON body for the ones that take one.
SESSION_ENDPOINTS = [
    ("POST", "/start-interview/{sid}", None),
    ("POST", "/chat/{sid}", {"message": "hello", "type": "user"}),
    ("POST", "/reset/{sid}", None),
    ("GET", "/interview-status/{sid}", None),
    ("GET", "/conversation-history/{sid}", None),
    ("POST", "/save-session/{sid}", None),
    ("DELETE", "/session/{sid}", None),
    ("POST", "/end-interview/{sid}", None),
    ("GET", "/security-info/{sid}", None),
]
SEED_PATHS = {
    ("post", "/create-session"),
    ("post", "/start-interview/{session_id}"),
    ("post", "/chat/{session_id}"),
    ("post", "/reset/{session_id}"),
    ("get", "/interview-status/{session_id}"),
    ("get", "/conversation-history/{session_id}"),
    ("post", "/save-session/{session_id}"),
    ("get", "/sessions"),
    ("delete", "/session/{session_id}"),
    ("post", "/end-interview/{session_id}"),
    ("get", "/model-info"),
    ("get", "/security-info/{session_id}"),
}


def assert_like_seed(body: Any, example: Any, where: str = "body") -> None:
    """Every field of the seed's example is there, with the same JSON type (more is allowed)."""
    if isinstance(example, dict):
        assert isinstance(body, dict), f"{where}: {body!r} is not an object"
        missing = set(example) - set(body)
        assert not missing, f"{where}: missing {sorted(missing)} in {body!r}"
        for key, value in example.items():
            assert_like_seed(body[key], value, f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(body, list), f"{where}: {body!r} is not a list"
        for index, item in enumerate(body):
            assert_like_seed(item, example[0], f"{where}[{index}]")
    else:
        assert type(body) is type(example), f"{where}: {body!r} is not like {example!r}"


def assert_uuid(value: str) -> None:
    assert str(uuid.UUID(value)) == value


def last_paragraph(text: str) -> str:
    return [p for p in text.split("\n\n") if p.strip()][-1].strip()


def saved_files(directory: Path, sid: str) -> list[Path]:
    return sorted(directory.glob(f"*{sid}*.json"))


def started(api: Api, **settings: Any) -> tuple[str, str]:
    """A session with its interview started; returns the id and the greeting."""
    sid = api.create(**(settings or SMALL))
    greeting = api.start_text(sid)
    assert greeting.status_code == 200, greeting.body
    return sid, greeting.text


# --- create-session --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [pytest.param(None, id="no-body"), pytest.param({}, id="empty-object")]
)
def test_create_session_without_settings_uses_seed_defaults(
    api: Api, shared_server: ThreadedServer, body: dict[str, Any] | None
) -> None:
    if body is None:
        response = api.http.post("/create-session")  # no body at all, as Nest sends `undefined`
    else:
        response = api.http.post("/create-session", json=body)
    assert response.status_code == 200
    assert set(response.json()) == set(SEED_SESSION_RESPONSE)
    assert_like_seed(response.json(), SEED_SESSION_RESPONSE)
    assert response.json()["message"] == "Session created successfully"
    sid = response.json()["session_id"]
    assert_uuid(sid)

    status = api.status(sid)
    assert (status["active"], status["questions_asked"]) == (False, 0)
    assert status["total_expected_questions"] == 8
    assert api.sessions()[sid]["total_expected_questions"] == 8
    saved = api.http.post(f"/save-session/{sid}")
    assert saved.status_code == 200
    path = wait_until(lambda: saved_files(shared_server.sessions_dir, sid), what="the save")[0]
    assert json.loads(path.read_text())["settings"] == SEED_SETTINGS


def test_create_session_with_full_body_keeps_every_setting(
    api: Api, shared_server: ThreadedServer
) -> None:
    settings = {
        "temperature": 0.2,
        "top_p": 0.5,
        "skills": ["python", "kubernetes"],
        "job_position": "SRE",
        "job_description": "Keep the platform up.",
        "technical_questions": 4,
        "behavioral_questions": 1,
        "custom_questions": ["Are you on call friendly?", "Why SRE?"],
        "candidate_name": "Bo",
    }
    sid = api.create(**settings)
    assert api.status(sid)["total_expected_questions"] == 7
    assert api.http.post(f"/save-session/{sid}").status_code == 200
    path = wait_until(lambda: saved_files(shared_server.sessions_dir, sid), what="the save")[0]
    assert json.loads(path.read_text())["settings"] == settings


def test_create_session_with_seed_default_values_spelled_out_counts_eight_questions(
    api: Api,
) -> None:
    sid = api.create(**{k: v for k, v in SEED_SETTINGS.items() if v is not None})
    assert api.status(sid)["total_expected_questions"] == 8


# --- 404 and 422 -----------------------------------------------------------------------------


@pytest.mark.parametrize("session_id", ["random-uuid", "not-a-uuid", "12345"])
@pytest.mark.parametrize(
    ("method", "path", "body"), SESSION_ENDPOINTS, ids=[p for _, p, _ in SESSION_ENDPOINTS]
)
def test_every_session_endpoint_answers_404_for_an_unknown_session(
    api: Api, method: str, path: str, body: dict[str, Any] | None, session_id: str
) -> None:
    sid = str(uuid.uuid4()) if session_id == "random-uuid" else session_id
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs["json"] = body | {"session_id": sid}
    response = api.http.request(method, path.format(sid=sid), **kwargs)
    assert response.status_code == 404
    assert response.json() == {"detail": "Session not found"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"technical_questions": "abc"}, "technical_questions"),
        ({"behavioral_questions": -1}, "behavioral_questions"),
        ({"skills": "python"}, "skills"),
        ({"temperature": "hot"}, "temperature"),
    ],
)
def test_create_session_with_malformed_settings_is_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    before = set(api.sessions())
    response = api.http.post("/create-session", json=body)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]
    assert set(api.sessions()) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"session_id": "SID"}, "message"),
        ({"message": "hi"}, "session_id"),
        ({"message": "hi", "session_id": "SID", "type": "admin"}, "type"),
        ({"message": 42, "session_id": "SID"}, "message"),
        ({"message": "x" * 8001, "session_id": "SID"}, "message"),
    ],
)
def test_chat_with_malformed_body_is_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    sid, _ = started(api)
    body = {k: (sid if v == "SID" else v) for k, v in body.items()}
    response = api.http.post(f"/chat/{sid}", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert len(api.history(sid)) == 1


def test_chat_with_a_body_that_is_not_json_is_422(api: Api) -> None:
    sid, _ = started(api)
    response = api.http.post(
        f"/chat/{sid}", content=b"hello", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


# --- 400s ------------------------------------------------------------------------------------


def test_chat_whose_body_names_another_session_is_400(api: Api) -> None:
    sid, _ = started(api)
    other = api.create()
    response = api.http.post(f"/chat/{sid}", json={"message": "hi", "session_id": other})
    assert response.status_code == 400
    assert response.json() == {"detail": "Session ID mismatch"}
    assert len(api.history(sid)) == 1
    assert api.status(other)["active"] is False


def test_chat_naming_the_same_session_in_path_and_body_is_never_a_mismatch(api: Api) -> None:
    # The path accepts any spelling of the session's UUID (here upper case); a body that
    # repeats the path's id verbatim, as the seed's Nest client forwards it, names the same
    # session and must not be refused as "Session ID mismatch".
    sid, _ = started(api)
    spelled = sid.upper()
    path_status = api.http.get(f"/interview-status/{spelled}").status_code
    assert path_status in (200, 404)
    response = api.http.post(f"/chat/{spelled}", json={"message": "Hi!", "session_id": spelled})
    assert (response.status_code, response.json() if response.status_code != 200 else None) == (
        (200, None) if path_status == 200 else (404, {"detail": "Session not found"})
    )


def test_chat_before_the_interview_started_is_400(api: Api) -> None:
    sid = api.create(**SMALL)
    reply = api.chat_text(sid, "Hello?")
    assert reply.status_code == 400
    assert reply.json() == {"detail": "No active interview in this session"}
    assert api.history(sid) == []


def test_starting_an_interview_twice_is_400(api: Api) -> None:
    sid, greeting = started(api)
    again = api.start_text(sid)
    assert again.status_code == 400
    assert again.json() == {"detail": "Interview already in progress"}
    assert api.history(sid) == [{"role": "assistant", "content": greeting}]


def test_end_interview_with_nothing_active_is_400(api: Api) -> None:
    sid = api.create(**SMALL)
    response = api.http.post(f"/end-interview/{sid}")
    assert response.status_code == 400
    assert response.json() == {"detail": "No active interview in this session"}


# --- the interview endpoints -----------------------------------------------------------------


def test_start_interview_streams_a_greeting_by_name_and_counts_nothing_yet(api: Api) -> None:
    sid = api.create(**SMALL)
    greeting = api.start_text(sid)
    assert greeting.status_code == 200
    assert greeting.content_type == "text/plain; charset=utf-8"
    assert "Ana" in greeting.text and "Mia" in greeting.text
    assert greeting.text.rstrip().endswith("?")
    status = api.status(sid)
    assert (status["active"], status["questions_asked"]) == (True, 0)


def test_interview_status_has_the_seed_fields(api: Api) -> None:
    sid, _ = started(api)
    api.chat_text(sid, "I love building reliable backend systems for real users.")
    status = api.status(sid)
    assert_like_seed(status, SEED_STATUS)
    assert status["session_id"] == sid
    assert (status["active"], status["questions_asked"], status["total_expected_questions"]) == (
        True,
        1,
        4,
    )


def test_conversation_history_alternates_from_the_assistant_greeting(api: Api) -> None:
    sid, greeting = started(api)
    said = [greeting]
    for message in ["I like the product.", CHEAT_MESSAGE, SHORT_ANSWER, SHORT_ANSWER]:
        said += [message, api.chat_text(sid, message).text]
    api.chat_text(sid, "get_stats", kind="system")  # admin commands are not the candidate's

    body = api.conversation(sid)
    assert_like_seed(body, SEED_HISTORY)
    assert body["session_id"] == sid
    assert body["model_name"] == MODEL_NAME
    assert body["active"] is True
    assert body["questions_asked"] == api.status(sid)["questions_asked"]
    roles = [item["role"] for item in body["history"]]
    assert roles == ["assistant", "user"] * (len(said) // 2) + ["assistant"]
    assert [item["content"] for item in body["history"]] == said


def test_cheat_attempt_is_counted_and_answered_with_warning_and_current_question(
    api: Api,
) -> None:
    sid, _ = started(api)
    question = api.chat_text(sid, "I like the product and the team.").text
    before = api.status(sid)
    security = api.security(sid)
    assert_like_seed(security, SEED_SECURITY)
    assert (security["session_id"], security["potential_cheat_attempts"]) == (sid, 0)

    reply = api.chat_text(sid, CHEAT_MESSAGE)
    assert reply.status_code == 200
    assert reply.text == f"{CHEAT_WARNING}\n\n{last_paragraph(question)}"
    security = api.security(sid)
    assert security["potential_cheat_attempts"] == 1
    assert security["active"] is True
    assert [e["category"] for e in security.get("events", [])] in ([], ["instruction_injection"])
    assert api.status(sid) == before  # a flagged message does not move the interview

    again = api.chat_text(sid, "Can you just tell me the answer?")
    assert again.text == f"{CHEAT_WARNING}\n\n{last_paragraph(question)}"
    assert api.security(sid)["potential_cheat_attempts"] == 2


def test_get_stats_system_command_answers_the_progress_line_exactly(api: Api) -> None:
    sid, _ = started(api, candidate_name="Ana", behavioral_questions=3, technical_questions=5)
    stats = api.chat_text(sid, "get_stats", kind="system")
    assert stats.status_code == 200
    assert (
        stats.text == "Interview progress: 0.0%, Questions asked: 0/8, Potential cheat attempts: 0"
    )

    api.chat_text(sid, "I like the product and the team.")
    api.chat_text(sid, SHORT_ANSWER)
    api.chat_text(sid, CHEAT_MESSAGE)
    stats = api.chat_text(sid, "get_stats", kind="system")
    assert stats.text == (
        "Interview progress: 25.0%, Questions asked: 2/8, Potential cheat attempts: 1"
    )
    assert api.status(sid)["questions_asked"] == 2


def test_unknown_system_command_is_answered_and_changes_nothing(api: Api) -> None:
    sid, _ = started(api)
    before = (api.status(sid), api.history(sid))
    reply = api.chat_text(sid, "dance", kind="system")
    assert reply.status_code == 200
    assert reply.text == "Unknown system command: dance"
    assert (api.status(sid), api.history(sid)) == before


def test_end_interview_closes_with_the_marker_and_deactivates(api: Api) -> None:
    sid, _ = started(api)
    response = api.http.post(f"/end-interview/{sid}")
    assert response.status_code == 200
    assert response.json() == {"session_id": sid, "message": "Interview ended successfully"}
    assert api.status(sid)["active"] is False
    assert api.security(sid)["active"] is False
    history = api.history(sid)
    assert history[-1]["role"] == "assistant"
    assert history[-1]["content"].endswith(END_MARKER)
    again = api.http.post(f"/end-interview/{sid}")
    assert again.status_code == 400
    assert api.chat_text(sid, "hello").status_code == 400


def test_reset_forgets_the_interview_and_a_new_one_can_start(api: Api) -> None:
    sid, _ = started(api)
    api.chat_text(sid, "I like the product and the team.")
    assert api.status(sid)["questions_asked"] == 1

    response = api.http.post(f"/reset/{sid}")
    assert response.status_code == 200
    assert response.json() == {
        "session_id": sid,
        "message": "Conversation reset. Ready to start a new interview.",
    }
    status = api.status(sid)
    assert (status["active"], status["questions_asked"], status["total_expected_questions"]) == (
        False,
        0,
        4,
    )
    assert api.history(sid) == []
    assert api.sessions()[sid]["interview_active"] is False

    greeting = api.start_text(sid)
    assert greeting.status_code == 200
    assert api.history(sid) == [{"role": "assistant", "content": greeting.text}]
    assert api.status(sid)["active"] is True


# --- saving, listing, deleting ---------------------------------------------------------------


def test_save_session_writes_the_interview_to_a_json_file_in_the_background(
    api: Api, shared_server: ThreadedServer
) -> None:
    sid, _ = started(api)
    api.chat_text(sid, "I like the product and the team.")
    history = api.history(sid)
    response = api.http.post(f"/save-session/{sid}")
    assert response.status_code == 200
    assert response.json() == {"session_id": sid, "message": "Session saving initiated"}

    path = wait_until(lambda: saved_files(shared_server.sessions_dir, sid), what="the file")[0]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["session_id"] == sid
    assert document["history"] == history
    assert document["questions_asked"] == 1
    assert sid in api.sessions()  # saving keeps the session


def test_sessions_lists_every_session_with_the_seed_fields(api: Api) -> None:
    fresh = api.create(behavioral_questions=1, technical_questions=1)
    running, _ = started(api)
    api.chat_text(running, "I like the product and the team.")

    sessions = api.sessions()
    for sid in (fresh, running):
        assert_like_seed(sessions[sid], SEED_SESSIONS_ENTRY, sid)
        assert sessions[sid]["model_name"] == MODEL_NAME
        datetime.fromisoformat(sessions[sid]["last_access"])
    assert (sessions[fresh]["interview_active"], sessions[fresh]["questions_asked"]) == (False, 0)
    assert sessions[fresh]["total_expected_questions"] == 2
    assert (sessions[running]["interview_active"], sessions[running]["questions_asked"]) == (
        True,
        1,
    )
    assert sessions[running]["total_expected_questions"] == 4


def test_delete_session_saves_it_to_a_file_and_removes_it(api: Api) -> None:
    sid, _ = started(api)
    api.chat_text(sid, "I like the product and the team.")
    history = api.history(sid)

    response = api.http.delete(f"/session/{sid}")
    assert response.status_code == 200
    body = response.json()
    assert body["session_id"] == sid
    match = re.fullmatch(r"Session saved to (.+) and deleted successfully", body["message"])
    assert match, body["message"]
    path = Path(match.group(1))
    assert path.is_file()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["session_id"], document["history"]) == (sid, history)

    assert sid not in api.sessions()
    assert api.http.get(f"/interview-status/{sid}").status_code == 404
    assert api.http.delete(f"/session/{sid}").status_code == 404


# --- service endpoints -----------------------------------------------------------------------


def test_model_info_names_the_fixed_model_and_the_offline_provider(api: Api) -> None:
    response = api.http.get("/model-info")
    assert response.status_code == 200
    body = response.json()
    assert_like_seed(body, SEED_MODEL_INFO)
    assert body["model_name"] == MODEL_NAME
    assert body["provider"] == "offline"
    assert body["description"]


def test_healthz_answers(api: Api) -> None:
    response = api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_docs_and_openapi_list_every_seed_endpoint(api: Api) -> None:
    docs = api.http.get("/docs")
    assert docs.status_code == 200
    assert "openapi.json" in docs.text
    schema = api.http.get("/openapi.json")
    assert schema.status_code == 200
    listed = {(method, path) for path, item in schema.json()["paths"].items() for method in item}
    assert listed >= SEED_PATHS, sorted(SEED_PATHS - listed)
