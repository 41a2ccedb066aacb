"""The audit log through the API: what people and the service did, who, to which session;
admin only; JSON pages and JSON Lines; entries outlive the session and hold no transcript."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.server import ThreadedServer

ADMIN = "admin-secret-token"
SECRET_ANSWER = "zebracorn pipelines with quaternion caches"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def secured(make_server: Callable[..., ThreadedServer]) -> Iterator[httpx.Client]:
    server = make_server(admin_token=ADMIN)
    with httpx.Client(base_url=server.base_url, timeout=30, headers=_bearer(ADMIN)) as client:
        yield client


def _entries(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/audit", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def _wait_for(client: httpx.Client, sid: str, action: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while True:
        entries = _entries(client, session_id=sid)
        if any(e["action"] == action for e in entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def test_a_sessions_life_is_audited_and_its_entries_outlive_it_without_its_words(
    secured: httpx.Client,
) -> None:
    created = secured.post(
        "/create-session",
        json={"candidate_name": "Quentin Zarathustra", "technical_questions": 1,
              "behavioral_questions": 0, "job_position": "Backend Engineer"},
    ).json()  # fmt: skip
    sid, candidate = created["session_id"], created["candidate_token"]
    assert secured.post(f"/start-interview/{sid}", headers=_bearer(candidate)).status_code == 200
    said = secured.post(
        f"/chat/{sid}",
        json={"session_id": sid, "message": SECRET_ANSWER},
        headers=_bearer(candidate),
    )
    assert said.status_code == 200
    assert secured.post(f"/end-interview/{sid}").status_code == 200
    _wait_for(secured, sid, "report.generated")
    assert secured.delete(f"/session/{sid}").status_code == 200

    # The report's entry lands whenever its background evaluation ends (or never, once the
    # session is deleted): test_the_report_is_audited_with_the_versions_that_made_it pins it.
    entries = [e for e in _entries(secured, session_id=sid) if e["action"] != "report.generated"]
    steps = [(e["action"], e["actor"], e["role"]) for e in entries]
    assert steps[:2] == [
        ("session.created", "admin (bootstrap token)", "admin"),
        ("interview.started", "candidate", "candidate"),
    ]
    # The end's entries, the person's and the service's, land in any order.
    assert sorted(steps[2:4]) == [
        ("interview.ended", "admin (bootstrap token)", "admin"),
        ("interview.finished", "system", "system"),
    ]
    assert steps[4:] == [("session.deleted", "admin (bootstrap token)", "admin")]
    assert entries[0]["details"] == {"job_position": "Backend Engineer", "expected_questions": 1}
    lines = secured.get("/audit", params={"format": "jsonl"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    dump = lines.text
    assert SECRET_ANSWER not in dump and "zebracorn" not in dump
    assert "Quentin" not in dump  # the candidate's name is not kept either
    exported = [json.loads(line) for line in dump.splitlines()]
    assert [e["seq"] for e in exported] == list(range(1, len(exported) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(exported))


def test_the_report_is_audited_with_the_versions_that_made_it(secured: httpx.Client) -> None:
    created = secured.post(
        "/create-session", json={"technical_questions": 1, "behavioral_questions": 0}
    ).json()
    sid, candidate = created["session_id"], created["candidate_token"]
    assert secured.post(f"/start-interview/{sid}", headers=_bearer(candidate)).status_code == 200
    said = secured.post(
        f"/chat/{sid}",
        json={"session_id": sid, "message": SECRET_ANSWER},
        headers=_bearer(candidate),
    )
    assert said.status_code == 200
    assert secured.post(f"/end-interview/{sid}").status_code == 200
    # The evaluation runs in a worker process after the closing: wait for the report first.
    deadline = time.monotonic() + 90
    while secured.get(f"/report/{sid}").status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
    entries = _wait_for(secured, sid, "report.generated")
    (entry,) = [e for e in entries if e["action"] == "report.generated"]
    assert (entry["actor"], entry["role"]) == ("system", "system")
    report = secured.get(f"/report/{sid}").json()
    made = report["provenance"]
    assert entry["details"] == {
        "generation": report["generation"],
        "recommendation": report["overall"]["recommendation"],
        "rubric_version": report["rubric_version"],
        "evaluator": made["evaluator"],
        "code_version": made["code_version"],
        "judge_runs": made["judge_runs"],
        "prompt_hashes": [],
    }
    assert "zebracorn" not in json.dumps(entries)


def test_the_audit_log_is_for_admins_only(secured: httpx.Client) -> None:
    created = secured.post("/create-session", json={}).json()
    candidate = created["candidate_token"]
    assert secured.get("/audit", headers=_bearer(candidate)).status_code == 403
    assert secured.get("/audit", headers={"Authorization": ""}).status_code in (401, 422)
    with httpx.Client(base_url=str(secured.base_url), timeout=30) as anonymous:
        assert anonymous.get("/audit").status_code == 401


def test_the_audit_log_pages_filters_by_time_and_streams_json_lines(
    secured: httpx.Client,
) -> None:
    for _ in range(5):
        secured.post("/create-session", json={})
    first = secured.get("/audit", params={"limit": 2}).json()
    assert [e["seq"] for e in first["entries"]] == [1, 2] and first["next_after"] == 2
    rest = secured.get("/audit", params={"after": 2, "limit": 10}).json()
    assert [e["seq"] for e in rest["entries"]] == [3, 4, 5] and rest["next_after"] is None
    since = rest["entries"][1]["at"] + "Z"
    assert [e["seq"] for e in _entries(secured, since=since)] == [4, 5]
    lines = secured.get(
        "/audit", params={"limit": 3}, headers={"Accept": "application/x-ndjson"}
    ).text.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3]
