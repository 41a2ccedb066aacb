"""The admin console in real Chromium: create, follow live, report, actions (auth off)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from devkit.candidate import reply_to
from tests.browser.pages import ADMIN_REFRESH_MS, AdminConsole, CandidatePage
from tests.support.screenshots import Screenshot
from tests.support.server import CHEAT_MESSAGE, Api, ThreadedServer, max_chats, wait_until

CUSTOM_QUESTION = "Tell us about a production incident you handled end to end."


def _fill_create_form(page: Any) -> None:
    page.get_by_label("Candidate name").fill("Ana Lopez")
    page.get_by_label("Job position").fill("Backend Engineer")
    page.get_by_label("Job description").fill("Build and run our Python APIs on PostgreSQL.")
    skill = page.get_by_label("Skills", exact=True)
    skill.fill("Python")
    skill.press("Enter")  # Enter adds a skill, it does not submit the form
    skill.fill("PostgreSQL")
    page.get_by_role("button", name="Add skill").click()
    skill.fill("Kafka")
    skill.press("Enter")
    page.get_by_role("button", name="Remove skill Kafka").click()
    page.get_by_label("Custom questions", exact=True).fill(CUSTOM_QUESTION)
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Technical questions").fill("1")
    page.get_by_label("Behavioral questions").fill("1")
    page.get_by_label("Temperature").fill("0.5")
    page.get_by_label("Top p").fill("0.8")


def _saved_settings(api: Api, server: ThreadedServer, session_id: str) -> dict[str, Any]:
    assert api.http.post(f"/save-session/{session_id}").status_code == 200
    path = wait_until(
        lambda: next(server.sessions_dir.glob(f"interview_{session_id}_*.json"), None),
        what="the saved session file",
    )
    settings: dict[str, Any] = json.loads(path.read_text())["settings"]
    return settings


def _report_status(api: Api, session_id: str) -> httpx.Response:
    def settled() -> httpx.Response | None:
        response = api.http.get(f"/report/{session_id}")
        return None if response.status_code == 202 else response

    return wait_until(settled, timeout=60, interval=0.2, what="the report")


def test_admin_creates_a_session_follows_it_live_and_shows_its_report(
    context: Any, page: Any, api: Api, server: ThreadedServer, screenshot: Screenshot
) -> None:
    admin = AdminConsole(page, server.base_url).open()
    _fill_create_form(page)
    page.get_by_role("button", name="Create session").click()

    link = page.get_by_label("Candidate link")
    expect(link).to_have_value(re.compile(r"/app/interview/[0-9a-f-]{36}$"))
    session_id = link.input_value().rsplit("/", 1)[-1]
    assert _saved_settings(api, server, session_id) == {
        "temperature": 0.5,
        "top_p": 0.8,
        "skills": ["Python", "PostgreSQL"],
        "job_position": "Backend Engineer",
        "job_description": "Build and run our Python APIs on PostgreSQL.",
        "technical_questions": 1,
        "behavioral_questions": 1,
        "custom_questions": [CUSTOM_QUESTION],
        "candidate_name": "Ana Lopez",
    }
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()

    row = admin.row(session_id)
    expect(row).to_contain_text("Backend Engineer")
    expect(row).to_contain_text("Ana Lopez")
    expect(row).to_contain_text("Not started")
    expect(row).to_contain_text("0 / 3")
    expect(page.get_by_role("heading", name="Ana Lopez · Backend Engineer")).to_be_visible()
    expect(page.get_by_text("The interview has not started.")).to_be_visible()

    candidate = CandidatePage(context.new_page(), server.base_url, session_id)
    candidate.page.goto(link.input_value())
    candidate.acknowledge_and_begin()
    candidate.wait_turn()
    expect(admin.transcript.locator("li.assistant").first).to_contain_text("Greeting")
    expect(row).to_contain_text("In progress")

    for turn in range(1, max_chats(3) + 1):
        if not candidate.complete.is_hidden():
            break
        text = CHEAT_MESSAGE if turn == 2 else reply_to(candidate.mia()[-1], turn)
        candidate.answer.fill(text)
        candidate.send.click()
        candidate.wait_turn()
        if turn == 1:
            # Live: the answer and the next question reach the console without a reload.
            expect(admin.transcript.locator("li.user").first).to_contain_text(text[:40])
            expect(admin.transcript).to_contain_text("Behavioral question 1")
        if turn == 2:
            cheats = page.locator("#cheats tr")
            expect(cheats).to_have_count(1)
            expect(cheats.first).to_contain_text("Ignore all previous instructions")
            expect(admin.transcript.locator("li.user").last).to_contain_text(
                "Flagged by the cheat detector"
            )
            expect(row.locator("td").nth(4)).to_have_text("1")
    expect(candidate.complete).to_be_visible()

    expect(row).to_contain_text("Finished")
    expect(row).to_contain_text("3 / 3")
    expect(admin.transcript).to_contain_text("Technical question 2")
    expect(admin.transcript).to_contain_text("Skill: Python")
    expect(admin.transcript).to_contain_text("Custom question 3")
    expect(admin.transcript).to_contain_text(CUSTOM_QUESTION)
    expect(admin.transcript).to_contain_text("Closing")
    assert admin.transcript.locator("li").count() == len(api.history(session_id))

    report = _report_status(api, session_id)
    assert report.status_code == 200, report.text
    body = report.json()
    section = page.locator("#report-body")
    expect(section).to_be_visible()
    recommendation = body["overall"]["recommendation"].replace("_", " ")
    expect(section).to_contain_text(f"Recommendation: {recommendation}")
    if body.get("generated_by") == "offline-heuristic":
        expect(section).to_contain_text("offline heuristic evaluator, not by a language model")
    quotes = [e["quote"] for q in body["questions"] for e in q.get("evidence", [])]
    assert quotes, "a finished interview with detailed answers has evidence"
    expect(section.locator("blockquote").first).to_be_visible()
    expect(section).to_contain_text(quotes[0][:40])
    screenshot(admin.view, "admin-session")


def test_admin_actions_confirm_the_destructive_ones(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    session_id = api.create(candidate_name="Bo Chen", job_position="SRE")
    api.start_text(session_id)
    api.chat_text(session_id, "I like keeping systems up and running for people.")
    admin = AdminConsole(page, server.base_url).open(session_id)
    expect(page.get_by_role("heading", name="Bo Chen · SRE")).to_be_visible()
    expect(admin.transcript.locator("li")).to_have_count(3)

    admin.action("End interview").click()
    expect(admin.dialog).to_be_visible()
    admin.dialog.get_by_role("button", name="Cancel").click()
    expect(admin.dialog).to_be_hidden()
    assert api.status(session_id)["active"] is True

    admin.action("End interview").click()
    admin.dialog.get_by_role("button", name="End interview").click()
    expect(admin.action_status).to_have_text("Interview ended successfully")
    assert api.status(session_id)["active"] is False
    expect(page.locator("#session-status")).to_have_text("Finished")
    expect(admin.transcript.locator("li").last).to_contain_text("Closing")
    expect(admin.action("End interview")).to_be_disabled()

    admin.action("Save").click()
    expect(admin.action_status).to_have_text("Session saving initiated")
    wait_until(lambda: list(server.sessions_dir.glob(f"interview_{session_id}_*.json")))

    admin.action("Reset").click()
    expect(admin.dialog).to_be_visible()
    page.keyboard.press("Escape")  # the keyboard cancels too
    expect(admin.dialog).to_be_hidden()
    assert len(api.history(session_id)) == 4
    admin.action("Reset").click()
    admin.dialog.get_by_role("button", name="Reset").click()
    expect(admin.action_status).to_contain_text("Conversation reset")
    expect(page.get_by_text("The interview has not started.")).to_be_visible()
    assert api.history(session_id) == []

    admin.action("Delete").click()
    admin.dialog.get_by_role("button", name="Delete session").click()
    expect(admin.view).to_be_hidden()
    expect(admin.row(session_id)).to_have_count(0)
    assert api.http.get(f"/interview-status/{session_id}").status_code == 404


def test_create_form_refuses_out_of_range_numbers_in_words(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    before = set(api.sessions())
    AdminConsole(page, server.base_url).open()
    page.get_by_label("Technical questions").fill("25")
    page.get_by_role("button", name="Create session").click()
    expect(page.locator("#create-status")).to_have_text("Technical questions: between 0 and 20.")
    assert set(api.sessions()) == before


def test_the_console_refreshes_on_the_period_the_browser_tests_shorten() -> None:
    # tests/browser/pages.py shortens exactly this period; if it changed, the live checks would
    # silently wait the full period again.
    source = (Path(__file__).resolve().parents[2] / "api" / "web" / "admin.js").read_text()
    assert f"const REFRESH_MS = {ADMIN_REFRESH_MS};" in source
