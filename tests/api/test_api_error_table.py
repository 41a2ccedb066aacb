"""A real server answers with the error table's rows and sends the stream events in the SSE
framing the first release did: the turn deadline says so, the request guard's and the
dependencies' errors are the table's, and an SSE turn's bytes are event/data pairs of
`json.dumps` objects."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from api.errors import DEADLINE_MESSAGE, ERRORS
from devkit.groq_server import GroqStubServer
from tests.support.server import CHEAT_MESSAGE, Api, ThreadedServer

FRAME = re.compile(
    rb"event: (token|flag|state|end|done)\r\ndata: (\{.*?\})\r\n\r\n|: ping[^\r]*\r\n\r\n"
)


def test_a_turn_cut_at_the_deadline_says_it_was_the_deadline(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    server = make_server(llm="groq", groq_max_retries=0, turn_deadline_seconds=1.5)
    with Api(server.base_url) as api:
        session_id = api.create(candidate_name="Ana", technical_questions=1)
        assert api.start_text(session_id).status_code == 200
        groq_stub.config.token_delay = 0.4  # 30 tokens: 12 s if nothing stopped it
        reply = api.chat_sse(session_id, "I enjoy APIs.")
        assert reply.kinds[-1] == "error"
        assert reply.of("error")[0].data == {
            "code": "llm_timeout",
            "message": DEADLINE_MESSAGE,
            "retryable": True,
        }


def test_the_guards_and_dependencies_errors_are_the_tables(api: Api) -> None:
    missing = api.http.get(f"/interview-status/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Session not found"})
    session_id = api.create()
    too_large = api.http.post(
        f"/chat/{session_id}",
        content=b'{"message": "' + b"x" * 2_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    row = ERRORS["body_too_large"]
    assert too_large.status_code == row.status
    assert too_large.headers["connection"] == "close"
    assert too_large.json()["detail"].startswith("The request body is larger than this route")
    bad_key = api.http.post(f"/start-interview/{session_id}", headers={"Idempotency-Key": ""})
    assert (bad_key.status_code, bad_key.json()["detail"]) == (
        422,
        "Idempotency-Key must be 1-200 printable ASCII characters",
    )
    mismatch = api.http.post(
        f"/chat/{session_id}", json={"message": "hi", "session_id": str(uuid.uuid4())}
    )
    assert (mismatch.status_code, mismatch.json()) == (400, {"detail": "Session ID mismatch"})


def test_an_sse_turn_is_event_and_data_frames_of_json_dumps_objects(api: Api) -> None:
    session_id = api.create(candidate_name="Ana", technical_questions=1)
    assert api.start_text(session_id).status_code == 200
    body = {"message": CHEAT_MESSAGE, "session_id": session_id}
    with api.http.stream(
        "POST", f"/chat/{session_id}", json=body, headers={"Accept": "text/event-stream"}
    ) as response:
        assert response.status_code == 200
        raw = response.read()
    frames = list(FRAME.finditer(raw))
    assert b"".join(m.group(0) for m in frames) == raw, "bytes outside the SSE frames"
    names = [m.group(1).decode() for m in frames if m.group(1)]
    assert names[0] == "flag" and names[-2:] == ["state", "done"]
    for match in frames:
        if match.group(2):
            data = match.group(2).decode()
            # The first release's encoding: json.dumps defaults (", " and ": ", ASCII only).
            assert json.dumps(json.loads(data)) == data
