"""A session's report is a typed union (pending, failed, ready): /openapi.json documents it,
what GET /report serves matches that document, and it is field for field what is stored, also
for reports stored by the first release."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from api.config import Settings
from api.evaluations import run_evaluator
from api.main import create_app
from tests.support.server import (
    SUBSTANTIVE_ANSWER,
    Api,
    ThreadedServer,
    is_final,
    max_chats,
    offline_settings,
    wait_until,
)

SETTINGS: dict[str, Any] = {
    "behavioral_questions": 1,
    "technical_questions": 1,
    "skills": ["python"],
    "candidate_name": "Ana",
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    document: dict[str, Any] = create_app(
        Settings(_env_file=None, admin_token="t")  # type: ignore[call-arg]
    ).openapi()
    return document


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    with ThreadedServer(offline_settings(tmp_path_factory.mktemp("reports"))) as running:
        yield running


@pytest.fixture
def client(server: ThreadedServer) -> Iterator[Api]:
    with Api(server.base_url) as api:
        yield api


def _finished(api: Api) -> str:
    session_id = api.create(**SETTINGS)
    text = api.start_text(session_id).text
    for _ in range(max_chats(2)):
        if is_final(text):
            return session_id
        text = api.chat_text(session_id, SUBSTANTIVE_ANSWER).text
    raise AssertionError("the interview did not finish")


def _served(api: Api, session_id: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        response = api.http.get(f"/report/{session_id}")
        if response.status_code == 202:
            assert response.json() == {"status": "pending"}
            return None
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return wait_until(ready, timeout=60, what="the report")


def _stored(server: ThreadedServer, session_id: str) -> dict[str, Any]:
    with sqlite3.connect(server.settings.db_path) as db:
        (text,) = db.execute(
            "SELECT report FROM interviewer_reports WHERE session_id = ?", (session_id,)
        ).fetchone()
    stored: dict[str, Any] = json.loads(text)
    return stored


def _store(server: ThreadedServer, session_id: str, report: dict[str, Any]) -> None:
    with sqlite3.connect(server.settings.db_path) as db:
        db.execute(
            "UPDATE interviewer_reports SET report = ? WHERE session_id = ?",
            (json.dumps(report), session_id),
        )


def _valid(doc: dict[str, Any], body: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.validate(body, {**schema, "components": doc["components"]})


def _report_schema(doc: dict[str, Any]) -> dict[str, Any]:
    content = doc["paths"]["/report/{session_id}"]["get"]["responses"]["200"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def test_openapi_documents_the_report_as_a_union_told_apart_by_status(
    doc: dict[str, Any],
) -> None:
    schema = _report_schema(doc)
    # A ready report is served as the AI's report with the people's review beside it.
    assert {ref["$ref"] for ref in schema["oneOf"]} == {
        "#/components/schemas/ReviewedReport",
        "#/components/schemas/FailedReport",
    }
    assert schema["discriminator"]["propertyName"] == "status"
    assert set(schema["discriminator"]["mapping"]) == {"ready", "failed"}
    schemas = doc["components"]["schemas"]
    assert schemas["ReviewedReport"]["properties"]["status"]["const"] == "ready"
    assert "human_review" in schemas["ReviewedReport"]["properties"]
    assert schemas["FailedReport"]["properties"]["status"]["const"] == "failed"
    for model in ("QuestionReport", "SkillReport", "Overall", "Integrity", "ReportError"):
        assert model in schemas
    pending = doc["paths"]["/report/{session_id}"]["get"]["responses"]["202"]["content"]
    assert pending["application/json"]["schema"] == {"$ref": "#/components/schemas/ReportPending"}
    regenerate = doc["paths"]["/report/{session_id}/regenerate"]["post"]["responses"]["202"]
    assert (
        regenerate["content"]["application/json"]["schema"] == pending["application/json"]["schema"]
    )


def test_a_ready_report_is_served_as_stored_and_as_documented(
    doc: dict[str, Any], server: ThreadedServer, client: Api
) -> None:
    session_id = _finished(client)
    served = _served(client, session_id)
    assert served["status"] == "ready"
    stored = _stored(server, session_id)
    assert list(served.items()) == list(stored.items())  # field for field, in order
    _valid(doc, served, _report_schema(doc))


def test_a_failed_report_is_served_as_stored_and_as_documented(
    doc: dict[str, Any], server: ThreadedServer, client: Api
) -> None:
    async def failing(session_id: str, state: Any, context: Any) -> dict[str, Any]:
        raise RuntimeError("evaluator crashed")

    runner = server.app.state.evaluations
    runner.evaluate = failing
    try:
        session_id = _finished(client)
        served = _served(client, session_id)
    finally:
        runner.evaluate = run_evaluator
    assert served["status"] == "failed"
    assert list(served) == [
        "session_id",
        "status",
        "rubric_version",
        "failed_at",
        "error",
        "webhook",
        "generation",
        "checkpoint_id",
        "provenance",
    ]
    # Issue 18: a failed report names the evaluator that failed.
    assert served["provenance"]["evaluator"] == "offline-heuristic"
    assert served["error"] == {
        "code": "evaluation_failed",
        "message": "The evaluation failed; it is retried automatically, and the report's "
        "regenerate route runs it again.",
        "retryable": True,
        "type": "RuntimeError",
    }
    assert served == _stored(server, session_id)
    _valid(doc, served, _report_schema(doc))


def test_a_report_stored_by_the_first_release_is_served_field_for_field(
    server: ThreadedServer, client: Api
) -> None:
    session_id = _finished(client)
    ready = _served(client, session_id)
    # A failed evaluation as bad08b4 stored it, with the LLM's wait of a rate limit.
    first_release = {
        "session_id": session_id,
        "status": "failed",
        "rubric_version": ready["rubric_version"],
        "failed_at": "2024-05-12T16:01:02.123456+00:00",
        "error": {
            "code": "llm_rate_limited",
            "message": "The language model is rate limited.",
            "retryable": True,
            "retry_after": 37,
            "type": "RateLimitError",
        },
        "generation": ready["generation"],
        "checkpoint_id": ready["checkpoint_id"],
    }
    _store(server, session_id, first_release)
    served = client.http.get(f"/report/{session_id}")
    assert served.status_code == 200
    assert list(served.json().items()) == list(first_release.items())
    markdown = client.http.get(f"/report/{session_id}", headers={"Accept": "text/markdown"})
    assert "The language model is rate limited." in markdown.text
