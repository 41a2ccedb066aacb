"""Candidate rights over HTTP (issue 20, docs/RIGHTS.md): invitations that last and expire,
the AI notice and consent, a request for another process, export, erasure and retention."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from api.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from devkit.groq_server import GroqStubServer
from graph.disclosure import DISCLOSURE, discloses
from tests.support.server import Api, ThreadedServer, wait_until

SECONDS = 1 / 86400
"""One second, in days (invitation_days takes fractions)."""
SETTINGS = {"candidate_name": "Ana", "behavioral_questions": 1, "technical_questions": 1}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _candidate_routes(api: Api, sid: str) -> dict[str, httpx.Response]:
    chat = {"message": "hello", "session_id": sid, "type": "user"}
    return {
        "start-interview": api.http.post(f"/start-interview/{sid}"),
        "chat": api.http.post(f"/chat/{sid}", json=chat),
        "interview-status": api.http.get(f"/interview-status/{sid}"),
        "conversation-history": api.http.get(f"/conversation-history/{sid}"),
        "notice": api.http.get(f"/notice/{sid}"),
        "consent": api.http.post(f"/consent/{sid}", json={}),
        "accommodation": api.http.post(f"/accommodation/{sid}", json={"text": "more time"}),
    }


# --- invitations -----------------------------------------------------------------------------


def test_create_session_answers_an_invitation_lasting_the_default_seven_days(api: Api) -> None:
    before = _now()
    sid = api.create(**SETTINGS)
    status = api.status(sid)
    expires = datetime.fromisoformat(status["expires_at"])
    assert timedelta(days=7) <= expires - before < timedelta(days=7, seconds=30)
    assert api.sessions()[sid]["expires_at"] == status["expires_at"]


def test_a_sessions_own_invitation_days_takes_fractions_and_at_most_ninety(api: Api) -> None:
    half = api.create(invitation_days=0.5)
    span = datetime.fromisoformat(api.status(half)["expires_at"]) - _now()
    assert timedelta(hours=11, minutes=59) < span <= timedelta(hours=12)
    too_long = api.http.post("/create-session", json={"invitation_days": 91})
    assert too_long.status_code == 422
    assert api.http.post("/create-session", json={"invitation_days": 0}).status_code == 422


def test_an_unstarted_session_outlives_the_idle_timeout_then_expires_at_its_expires_at(
    make_server: Callable[..., ThreadedServer],
) -> None:
    # The idle rule is 60 ms and the sweeper runs every 100 ms: the seed's rule removed an
    # unstarted session at the first sweep ("This interview could not be found").
    server = make_server(session_timeout_minutes=0.001, sweep_interval_seconds=0.1)
    with Api(server.base_url) as api:
        sid = api.create(**SETTINGS, invitation_days=3 * SECONDS)
        time.sleep(1.0)
        assert sid in api.sessions(), "the sweeper removed an invitation"
        assert api.status(sid)["stage"] == "created"
        wait_until(lambda: api.sessions()[sid]["invitation_expired"], timeout=10)

        answers = _candidate_routes(api, sid)
        assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 410)
        detail = answers["start-interview"].json()["detail"]
        assert "expired" in detail and "contact the hiring team" in detail
        assert sid in api.sessions(), "an expired invitation is kept: its link says so"

        extended = api.http.post(f"/invitation/{sid}/extend", json={"days": 1})
        assert extended.status_code == 200, extended.text
        assert extended.json()["expired"] is False
        assert api.start_text(sid).status_code == 200


def test_a_started_interview_is_not_refused_once_its_invitation_date_passes(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server()
    with Api(server.base_url) as api:
        sid = api.create(**SETTINGS, invitation_days=1 * SECONDS)
        assert api.start_text(sid).status_code == 200
        time.sleep(1.2)
        assert api.chat_text(sid, "I like building reliable services.").status_code == 200
        assert api.status(sid)["active"] is True


def test_the_candidate_token_expires_with_the_invitation_and_comes_back_with_an_extension(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token="admin-secret")
    admin = {"Authorization": "Bearer admin-secret"}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        created = http.post(
            "/create-session", json={**SETTINGS, "invitation_days": SECONDS}, headers=admin
        ).json()
        sid, candidate = (
            created["session_id"],
            {"Authorization": f"Bearer {created['candidate_token']}"},
        )
        assert http.get(f"/interview-status/{sid}", headers=candidate).status_code == 200
        time.sleep(1.2)
        refused = http.get(f"/interview-status/{sid}", headers=candidate)
        assert refused.status_code == 410 and "expired" in refused.json()["detail"]
        assert http.post(f"/start-interview/{sid}", headers=candidate).status_code == 410
        # The hiring side still sees it, and extends it.
        assert http.get(f"/interview-status/{sid}", headers=admin).status_code == 200
        assert (
            http.post(f"/invitation/{sid}/extend", json={"days": 2}, headers=candidate).status_code
            == 403
        )
        extended = http.post(f"/invitation/{sid}/extend", json={"days": 2}, headers=admin)
        assert extended.status_code == 200
        assert http.get(f"/interview-status/{sid}", headers=candidate).status_code == 200


@pytest.mark.parametrize("days", [0, -1, 90.5, "two"])
def test_an_extension_is_a_positive_number_of_days_up_to_ninety(api: Api, days: object) -> None:
    sid = api.create(**SETTINGS)
    assert api.http.post(f"/invitation/{sid}/extend", json={"days": days}).status_code == 422


def test_an_extension_never_reaches_past_ninety_days_from_now(api: Api) -> None:
    sid = api.create(**SETTINGS, invitation_days=80)
    extended = api.http.post(f"/invitation/{sid}/extend", json={"days": 80}).json()
    span = datetime.fromisoformat(extended["expires_at"]) - _now()
    assert timedelta(days=89, hours=23) < span <= timedelta(days=90)


# --- the AI notice, consent and the greeting ----------------------------------------------------


def test_the_greeting_names_mia_as_an_ai_and_says_people_decide_offline(api: Api) -> None:
    sid = api.create(**SETTINGS)
    greeting = api.start_text(sid).text
    assert discloses(greeting), greeting
    assert "AI interviewer" in greeting.split("\n\n")[0]


def test_the_greeting_names_mia_as_an_ai_and_says_people_decide_on_groq(
    groq_stub: GroqStubServer, make_server: Callable[..., ThreadedServer]
) -> None:
    # The stub's replies are made-up words: only the check in code can make them disclose.
    with Api(make_server(llm="groq").base_url) as api:
        sid = api.create(**SETTINGS)
        greeting = api.start_text(sid).text
        assert DISCLOSURE in greeting and discloses(greeting)
        assert api.history(sid)[0]["content"] == greeting  # what was streamed is what is kept


def test_the_notice_is_served_with_its_version_and_consent_stores_both(api: Api) -> None:
    sid = api.create(**SETTINGS)
    notice = api.http.get(f"/notice/{sid}").json()
    assert "AI interviewer" in notice["text"] and "730 days" in notice["text"]
    assert notice["required"] is False and notice["consented_at"] is None
    assert api.status(sid)["consented"] is False

    stale = api.http.post(f"/consent/{sid}", json={"notice_version": "0000000000000000"})
    assert stale.status_code == 409 and notice["version"] in stale.json()["detail"]
    given = api.http.post(f"/consent/{sid}", json={"notice_version": notice["version"]})
    assert given.status_code == 200, given.text
    assert given.json()["notice_version"] == notice["version"]

    assert api.status(sid)["consented"] is True
    again = api.http.get(f"/notice/{sid}").json()
    assert again["consented_version"] == notice["version"]
    assert again["consented_at"] == given.json()["consented_at"]
    exported = api.http.get(f"/candidate-data/{sid}").json()["data"]
    consents = [e for e in exported["audit_entries"] if e["action"] == "consent.recorded"]
    assert consents[0]["details"] == {"notice_version": notice["version"]}
    stored = exported["consent"]
    assert stored == {
        "consented_at": given.json()["consented_at"],
        "notice_version": notice["version"],
    }


def test_with_consent_required_start_answers_428_until_the_candidate_consents(
    make_server: Callable[..., ThreadedServer],
) -> None:
    with Api(make_server(require_consent=True).base_url) as api:
        sid = api.create(**SETTINGS)
        refused = api.http.post(f"/start-interview/{sid}")
        assert refused.status_code == 428
        assert "AI notice" in refused.json()["detail"]
        assert api.http.get(f"/notice/{sid}").json()["required"] is True
        assert api.http.post(f"/consent/{sid}").status_code == 200
        assert api.start_text(sid).status_code == 200


def test_without_consent_required_the_seeds_clients_start_as_before(api: Api) -> None:
    sid = api.create(**SETTINGS)
    assert api.start_text(sid).status_code == 200


# --- another process, or an accommodation ----------------------------------------------------


class Receiver:
    """A webhook receiver on loopback: every delivery's event, body and signature check."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signature = self.headers.get(SIGNATURE_HEADER, "")
                timestamp = self.headers[TIMESTAMP_HEADER]
                receiver.deliveries.append(
                    {
                        "event": self.headers["X-Interviewer-Event"],
                        "delivery": self.headers["X-Interviewer-Delivery"],
                        "body": json.loads(body),
                        "verified": verify_signature(SECRET, timestamp, body, signature),
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

    def of(self, event: str) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if d["event"] == event]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


SECRET = "rights-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def test_an_accommodation_request_pauses_turns_and_sends_its_signed_webhook(
    make_server: Callable[..., ThreadedServer], receiver: Receiver
) -> None:
    server = make_server(webhook_url=receiver.url, webhook_secret=SECRET)
    with Api(server.base_url) as api:
        sid = api.create(**SETTINGS)
        assert api.start_text(sid).status_code == 200
        asked = api.http.post(
            f"/accommodation/{sid}", json={"text": "I use a screen reader; may I have more time?"}
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "requested"

        paused = api.http.post(
            f"/chat/{sid}", json={"message": "hello", "session_id": sid, "type": "user"}
        )
        assert paused.status_code == 409
        assert "paused" in paused.json()["detail"] and "another process" in paused.json()["detail"]
        assert api.status(sid)["accommodation"] == "requested"
        listed = api.sessions()[sid]["accommodation"]
        assert listed["status"] == "requested" and "screen reader" in listed["text"]

        sent = wait_until(lambda: receiver.of("accommodation.requested"), what="the webhook")
        assert sent[0]["verified"] is True
        assert sent[0]["body"]["session_id"] == sid
        assert "screen reader" in sent[0]["body"]["text"]
        # Through the outbox: the request names its delivery, whose state the export tells.
        delivery = api.sessions()[sid]["accommodation"]["webhook"]["delivery_id"]
        assert sent[0]["delivery"] == delivery
        exported = wait_until(
            lambda: [
                d
                for d in api.http.get(f"/candidate-data/{sid}").json()["data"]["webhook_deliveries"]
                if d["delivery_id"] == delivery and d["state"] == "delivered"
            ],
            what="the delivery recorded as delivered",
        )
        assert exported[0]["event"] == "accommodation.requested"

        resumed = api.http.post(f"/accommodation/{sid}/resolve", json={"action": "resume"})
        assert resumed.status_code == 200 and resumed.json()["status"] == "resumed"
        assert api.chat_text(sid, "I like building reliable services.").status_code == 200


def test_a_closed_request_ends_the_ai_interview_for_good(api: Api) -> None:
    sid = api.create(**SETTINGS)
    assert (
        api.http.post(f"/accommodation/{sid}", json={"text": "another process"}).status_code == 200
    )
    assert api.http.post(f"/start-interview/{sid}").status_code == 409
    closed = api.http.post(f"/accommodation/{sid}/resolve", json={"action": "close"})
    assert closed.json()["status"] == "closed"
    refused = api.http.post(f"/start-interview/{sid}")
    assert refused.status_code == 409 and "another process" in refused.json()["detail"]
    nothing = api.http.post(f"/accommodation/{sid}/resolve", json={"action": "resume"})
    assert nothing.status_code == 409


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "x" * 2001}, {}, {"text": 3}])
def test_an_accommodation_request_needs_a_short_text(api: Api, body: dict[str, Any]) -> None:
    sid = api.create(**SETTINGS)
    assert api.http.post(f"/accommodation/{sid}", json=body).status_code == 422
