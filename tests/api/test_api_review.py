"""People's review and decision beside the AI's report: overrides with reasons, disregards,
private notes, a decision with a reason; shown in the JSON, the Markdown scorecard, a signed
webhook and a plain-language explanation for the candidate (without the notes); audited by
name. And the pause switch, on every replica."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.cli import run
from api.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.support.server import ThreadedServer

ADMIN = "bootstrap-admin-token"
SECRET = "webhook-secret"
PRIVATE = "PRIVATE-NOTE: compare with the take-home"
ANSWER = "I tuned PostgreSQL indexes on the join keys and cut the p95 latency by half last year."


class Receiver:
    """A webhook receiver on loopback that keeps what it was sent, verified as a customer would."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "event": self.headers["X-Interviewer-Event"],
                        "body": json.loads(body),
                        "verified": verify_signature(
                            SECRET,
                            self.headers[TIMESTAMP_HEADER],
                            body,
                            self.headers[SIGNATURE_HEADER],
                        ),
                    }
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def events(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["event"] == name]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def _add(settings: Any, capsys: pytest.CaptureFixture[str], name: str, role: str) -> str:
    assert run(["users", "add", "--name", name, "--role", role], settings) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _finished_interview(client: httpx.Client) -> tuple[str, dict[str, Any]]:
    """A session whose interview ended, and its ready report."""
    created = client.post(
        "/create-session",
        json={"candidate_name": "Ana", "technical_questions": 1, "behavioral_questions": 0,
              "skills": ["postgresql"], "job_position": "Backend Engineer"},
        headers=_bearer(ADMIN),
    ).json()  # fmt: skip
    sid, token = created["session_id"], created["candidate_token"]
    assert client.post(f"/start-interview/{sid}", headers=_bearer(token)).status_code == 200
    for _ in range(4):
        said = client.post(
            f"/chat/{sid}", json={"session_id": sid, "message": ANSWER}, headers=_bearer(token)
        )
        if said.status_code != 200 or "End of interview" in said.text:
            break
    status = client.get(f"/interview-status/{sid}", headers=_bearer(ADMIN)).json()
    if status["active"]:
        assert client.post(f"/end-interview/{sid}", headers=_bearer(ADMIN)).status_code == 200
    deadline = time.monotonic() + 60
    while True:
        got = client.get(f"/report/{sid}", headers=_bearer(ADMIN))
        if got.status_code == 200:
            return sid, got.json()
        assert got.status_code == 202 and time.monotonic() < deadline, got.text
        time.sleep(0.2)


@pytest.fixture
def team(
    make_server: Callable[..., ThreadedServer],
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    server = make_server(
        admin_token=ADMIN, webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff=0.05
    )
    keys = {
        "reviewer": _add(server.settings, capsys, "Ana Ruiz", "reviewer"),
        "recruiter": _add(server.settings, capsys, "Rita Diaz", "recruiter"),
    }
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client, keys


def test_reviews_and_decisions_sit_beside_the_ai_report_everywhere_it_shows(
    team: tuple[httpx.Client, dict[str, str]], receiver: Receiver
) -> None:
    client, keys = team
    reviewer = _bearer(keys["reviewer"])
    sid, ai = _finished_interview(client)
    assert "human_review" not in ai  # until a person reviews or decides
    question = ai["questions"][0]
    skill = ai["skills"][0]["skill"]

    refused = [
        {"items": [{"question": question["number"], "action": "override", "score": 4}]},
        {"items": [{"question": 99, "action": "disregard"}]},
        {"items": [{"question": question["number"], "action": "override", "score": 7,
                    "reason": "too high for the scale"}]},
        {"items": [{"skill": "cobol", "action": "disregard"}]},
    ]  # fmt: skip
    for body in refused:
        assert client.post(f"/report/{sid}/review", json=body, headers=reviewer).status_code == 422
    named = client.post(f"/report/{sid}/review", json=refused[1], headers=reviewer).json()
    assert named["detail"] == "The report has no question 99."
    recruiter = _bearer(keys["recruiter"])
    assert client.post(f"/report/{sid}/review", json={}, headers=recruiter).status_code == 403

    review = {
        "items": [
            {"question": question["number"], "action": "override", "score": 4,
             "reason": "Named the index trade-off; the AI missed it."},
            {"skill": skill, "action": "disregard", "reason": "Asked only once."},
        ],
        "notes": PRIVATE,
    }  # fmt: skip
    reviewed = client.post(f"/report/{sid}/review", json=review, headers=reviewer)
    assert reviewed.status_code == 200, reviewed.text
    item = reviewed.json()["review"]["items"][0]
    assert (item["ai_score"], item["score"]) == (question["score"], 4)
    decided = client.post(
        f"/report/{sid}/decision",
        json={"decision": "advance", "reason": "Strong on SQL; the design gap is teachable."},
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.text
    decision = decided.json()["decision"]
    assert (decision["decided_by"], decision["role"], decision["decision"]) == (
        "Ana Ruiz", "reviewer", "advance",
    )  # fmt: skip
    assert decision["ai_recommendation"] == ai["overall"]["recommendation"]

    # JSON: the AI's scores untouched, the people's beside them.
    served = client.get(f"/report/{sid}", headers=reviewer).json()
    assert served["questions"][0]["score"] == question["score"]
    assert served["overall"] == ai["overall"]
    assert served["human_review"]["review"]["reviewer"] == "Ana Ruiz"
    assert served["human_review"]["decision"]["reason"].startswith("Strong on SQL")

    # Markdown: the verdict under the title, the review as a section of its own.
    markdown = client.get(f"/report/{sid}", headers={**reviewer, "Accept": "text/markdown"}).text
    day = decision["at"][:10]
    assert (
        f"> AI: {ai['overall']['recommendation']} · Reviewer Ana Ruiz, {day}: advance, "
        "because Strong on SQL" in markdown
    )
    assert "## People's review and decision" in markdown
    assert f"| Q{question['number']} |" in markdown and "| disregarded |" in markdown

    # The explanation for the candidate: evidence and what people did, never the notes.
    explained = client.get(f"/report/{sid}/explanation", headers=reviewer).json()["text"]
    assert "AI interviewer" in explained and "changed this score to 4 out of 5" in explained
    assert "Strong on SQL" in explained and "PRIVATE" not in explained
    plain = client.get(f"/report/{sid}/explanation", headers={**reviewer, "Accept": "text/plain"})
    assert plain.headers["content-type"].startswith("text/plain") and plain.text == explained

    # A signed webhook event of its own.
    deadline = time.monotonic() + 20
    while not receiver.events("decision.recorded") and time.monotonic() < deadline:
        time.sleep(0.05)
    [sent] = receiver.events("decision.recorded")
    assert sent["verified"] and sent["body"]["event"] == "decision.recorded"
    assert sent["body"]["decision"] == "advance" and sent["body"]["decided_by"] == "Ana Ruiz"
    assert sent["body"]["session_id"] == sid

    # Audited by name, without the notes.
    audit = client.get("/audit", params={"session_id": sid}, headers=_bearer(ADMIN)).json()
    actions = [(e["action"], e["actor"]) for e in audit["entries"]]
    assert ("report.reviewed", "Ana Ruiz") in actions
    assert ("decision.recorded", "Ana Ruiz") in actions
    assert PRIVATE not in json.dumps(audit)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        entries = client.get("/audit", params={"session_id": sid}, headers=_bearer(ADMIN))
        if any(e["action"] == "webhook.delivered" for e in entries.json()["entries"]):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the webhook's delivery was not audited")


def test_a_review_before_the_interview_finished_is_refused(
    team: tuple[httpx.Client, dict[str, str]],
) -> None:
    client, keys = team
    sid = client.post("/create-session", json={}, headers=_bearer(ADMIN)).json()["session_id"]
    refused = client.post(
        f"/report/{sid}/decision",
        json={"decision": "reject", "reason": "too early"},
        headers=_bearer(keys["reviewer"]),
    )
    assert refused.status_code == 409


def test_a_pause_stops_new_interviews_on_every_replica_and_running_ones_go_on(
    make_server: Callable[..., ThreadedServer], tmp_path: Path
) -> None:
    db = {"db_path": tmp_path / "shared.sqlite"}
    first, second = (make_server(admin_token=ADMIN, **db) for _ in range(2))
    admin = _bearer(ADMIN)
    with httpx.Client(timeout=60, headers=admin) as client:
        running = client.post(f"{first.base_url}/create-session", json={}).json()["session_id"]
        assert client.post(f"{first.base_url}/start-interview/{running}").status_code == 200
        paused = client.post(
            f"{first.base_url}/admin/pause", json={"reason": "reviewing a complaint"}
        )
        assert paused.status_code == 200 and paused.json()["paused"] is True
        for server in (first, second):
            sid = client.post(f"{server.base_url}/create-session", json={}).json()["session_id"]
            refused = client.post(f"{server.base_url}/start-interview/{sid}")
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "60"
            assert "paused by the hiring team (reviewing a complaint)" in refused.json()["detail"]
        going_on = client.post(
            f"{second.base_url}/chat/{running}",
            json={"session_id": running, "message": "I enjoy building APIs."},
        )
        assert going_on.status_code == 200 and going_on.text
        assert client.post(f"{second.base_url}/admin/resume").json()["paused"] is False
        assert client.post(f"{first.base_url}/start-interview/{sid}").status_code == 200
        log = client.get(f"{first.base_url}/audit").json()["entries"]
        actions = [e["action"] for e in log]
        assert "service.paused" in actions and "service.resumed" in actions
