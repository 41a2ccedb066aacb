"""The candidate's page in real Chromium against a real server (offline model)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from devkit.candidate import reply_to
from tests.browser.conftest import PHONE
from tests.browser.pages import CandidatePage
from tests.support.screenshots import Screenshot
from tests.support.server import Api, ThreadedServer, max_chats

ANSWER = "I enjoy building reliable backend services for real users."

PLAN = {
    "candidate_name": "Ana Lopez",
    "job_position": "Backend Engineer",
    "skills": ["Python", "PostgreSQL"],
    "technical_questions": 2,
    "behavioral_questions": 1,
}


def _assistant(api: Api, session_id: str) -> list[str]:
    return [m["content"] for m in api.history(session_id) if m["role"] == "assistant"]


def _user(api: Api, session_id: str) -> list[str]:
    return [m["content"] for m in api.history(session_id) if m["role"] == "user"]


def test_whole_interview_typed_with_the_keyboard_reaches_the_end_screen(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    requests: list[str] = []
    turn_keys: list[str | None] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "request",
        lambda r: (
            turn_keys.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and ("/chat/" in r.url or "/start-interview/" in r.url)
            else None
        ),
    )
    candidate = CandidatePage(page, server.base_url, sid).open()
    expect(page.get_by_role("heading", name="Interview: Backend Engineer")).to_be_visible()
    candidate.expect_progress(0, 3)
    candidate.start_with_keyboard()

    seen: list[int] = []
    for turn in range(1, max_chats(3) + 1):
        status = api.status(sid)
        candidate.expect_progress(status["questions_asked"], status["total_expected_questions"])
        seen.append(status["questions_asked"])
        if not status["active"]:
            break
        candidate.type_answer(reply_to(candidate.mia()[-1], turn))
    else:
        raise AssertionError("the interview did not end")

    expect(candidate.complete).to_be_visible()
    expect(page.locator("#end")).to_contain_text("Thank you for your time")
    expect(candidate.answer).to_be_hidden()
    expect(candidate.send).to_be_hidden()
    assert seen == sorted(seen) and seen[-1] == 3 and 1 in seen and 2 in seen
    assert candidate.mia() == _assistant(api, sid)
    assert candidate.mine() == _user(api, sid)
    assert candidate.mia()[-1].rstrip().endswith("End of interview.")
    # Every turn (the start and each answer) carries its own Idempotency-Key.
    assert len(turn_keys) == len(candidate.mine()) + 1
    assert all(turn_keys) and len(set(turn_keys)) == len(turn_keys)
    # The page never asks for the plan (labels carry stages, skills and follow-up counts).
    assert not [url for url in requests if "labels" in url]


def test_page_chrome_does_not_leak_the_plan(page: Any, api: Api, server: ThreadedServer) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid).open()
    candidate.start_with_keyboard()
    candidate.type_answer("I enjoy building reliable backend services for real users.")
    chrome = page.locator("body").inner_text()
    for transcript_text in candidate.mia() + candidate.mine():
        chrome = chrome.replace(transcript_text, "")
    for word in ("technical", "behavioral", "follow-up", "follow up", "PostgreSQL", "stage"):
        assert word.lower() not in chrome.lower(), word


def test_shift_enter_is_a_new_line_and_enter_sends(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid).open()
    candidate.start_with_keyboard()
    page.keyboard.press("Enter")  # nothing typed: nothing sent
    expect(page.get_by_text("Type your answer first")).to_be_visible()
    page.keyboard.type("First line.")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Second line.")
    expect(candidate.answer).to_have_value("First line.\nSecond line.")
    assert _user(api, sid) == []
    page.keyboard.press("Enter")
    candidate.wait_turn()
    assert _user(api, sid) == ["First line.\nSecond line."]
    expect(candidate.answer).to_have_value("")


def test_reload_mid_interview_shows_the_transcript_and_current_question_then_resumes(
    browser: Any, page: Any, api: Api, server: ThreadedServer, screenshot: Screenshot
) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid).open()
    candidate.start_with_keyboard()
    for turn in (1, 2):
        candidate.type_answer(reply_to(candidate.mia()[-1], turn))
    status = api.status(sid)
    assert status["active"]

    page.reload()
    expect(candidate.answer).to_be_focused()
    assert candidate.mia() == _assistant(api, sid)
    assert candidate.mine() == _user(api, sid)
    current_question = _assistant(api, sid)[-1]
    expect(candidate.log.locator(".msg").last).to_contain_text(current_question[-40:])
    expect(candidate.log.locator(".msg").last).to_be_in_viewport()
    candidate.expect_progress(status["questions_asked"], status["total_expected_questions"])
    screenshot(page, "candidate-desktop")

    candidate.type_answer(reply_to(current_question, 3))
    assert len(_user(api, sid)) == 3
    assert candidate.mine() == _user(api, sid)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        on_phone = CandidatePage(small, server.base_url, sid).open()
        expect(on_phone.answer).to_be_visible()
        expect(on_phone.send).to_be_visible()
        assert on_phone.mia() == _assistant(api, sid)
        # The current question is on screen, not under the answer box.
        expect(on_phone.log.locator(".msg").last).to_be_in_viewport(ratio=0.9)
        overflow = small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
        screenshot(small, "candidate-phone")
    finally:
        phone.close()


def test_finished_interview_reloads_to_the_end_screen_without_input(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(technical_questions=0, behavioral_questions=1)
    api.start_text(sid)
    api.http.post(f"/end-interview/{sid}")
    candidate = CandidatePage(page, server.base_url, sid).open()
    expect(candidate.complete).to_be_visible()
    expect(candidate.answer).to_be_hidden()
    expect(candidate.begin).to_be_hidden()
    assert candidate.mia() == _assistant(api, sid)


def test_unknown_session_says_so_in_words(page: Any, server: ThreadedServer) -> None:
    CandidatePage(page, server.base_url, "00000000-0000-4000-8000-000000000000").open()
    expect(page.get_by_text("This interview could not be found")).to_be_visible()
    expect(page.get_by_label("Your answer")).to_be_hidden()


def test_connection_lost_after_the_reply_committed_try_again_records_the_answer_once(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid).open()
    candidate.start_with_keyboard()
    keys: list[str | None] = []

    def lose_the_reply(route: Any) -> None:
        # The request reaches the real server, which runs and commits the turn; the browser
        # then sees the connection fail, as after a network drop at the end of the reply.
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()
        route.abort("connectionreset")

    page.route(f"**/chat/{sid}", lose_the_reply, times=1)
    candidate.type_answer(ANSWER)
    expect(candidate.problem).to_contain_text("The connection to the interview was lost")
    assert _user(api, sid) == [ANSWER]  # the server did commit it

    sent: list[str | None] = []
    page.on("request", lambda r: sent.append(r.headers.get("idempotency-key")))
    candidate.retry.click()
    candidate.wait_turn()
    expect(candidate.problem).to_be_hidden()
    assert sent == keys and keys[0]  # the same key again: the committed reply is replayed
    assert _user(api, sid) == [ANSWER]
    assert candidate.mia() == _assistant(api, sid)
    assert candidate.mine() == _user(api, sid)
