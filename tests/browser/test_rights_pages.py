"""The candidate's rights on the page, in real Chromium (issue 20): the AI notice and its
required acknowledgement before "Begin interview", the "Ask for another process" button, and
the expired-invitation screen."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from tests.browser.pages import AdminConsole, CandidatePage
from tests.support.server import Api, ThreadedServer

PLAN = {"candidate_name": "Ana Lopez", "job_position": "Backend Engineer", "technical_questions": 1}


def test_the_ai_notice_comes_before_begin_and_its_acknowledgement_is_recorded(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid).open()
    expect(candidate.notice).to_be_visible()
    expect(candidate.notice).to_contain_text("Mia, an AI interviewer")
    expect(candidate.notice).to_contain_text("Who decides")
    expect(
        candidate.notice.get_by_role("heading", name="Another process, or an accommodation")
    ).to_be_visible()
    expect(candidate.begin).to_be_disabled()
    assert api.status(sid)["consented"] is False

    candidate.start_with_keyboard()

    notice = api.http.get(f"/notice/{sid}").json()
    assert api.status(sid)["consented"] is True
    assert notice["consented_version"] == notice["version"]
    assert "AI interviewer" in candidate.mia()[0]


def test_the_accommodation_button_pauses_the_interview_and_tells_the_hiring_team(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid).open()
    candidate.start_with_keyboard()
    page.get_by_role("button", name="Ask for another process").click()
    page.get_by_label("What would you like to ask the hiring team").fill(
        "I would prefer to talk to a person, please."
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#accommodation-status")).to_contain_text("The interview is paused")
    expect(candidate.answer).to_be_hidden()
    listed = api.sessions()[sid]["accommodation"]
    assert listed["status"] == "requested" and "talk to a person" in listed["text"]

    page.reload()
    expect(page.locator("#accommodation-status")).to_contain_text("paused")
    expect(candidate.answer).to_be_hidden()
    expect(candidate.begin).to_be_hidden()

    # The hiring team sees it in the console.
    console = AdminConsole(page.context.new_page(), server.base_url).open()
    expect(console.row(sid)).to_contain_text("Asked for another process (paused)")


def test_an_expired_link_says_so_and_whom_to_contact(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN, invitation_days=1 / 86400)
    time.sleep(1.2)
    CandidatePage(page, server.base_url, sid).open()
    expired = page.get_by_role("alert")
    expect(
        expired.get_by_role("heading", name="This interview invitation has expired")
    ).to_be_visible()
    expect(expired).to_contain_text("contact the hiring team")
    expect(page.get_by_role("button", name="Begin interview")).to_be_hidden()
    expect(page.get_by_role("button", name="Ask for another process")).to_be_hidden()
