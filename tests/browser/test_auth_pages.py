"""The pages with access control on: the candidate's token in the link, the admin's typed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.pages import AdminConsole, CandidatePage
from tests.support.server import ThreadedServer, offline_settings

ADMIN = "admin-secret-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    root = tmp_path_factory.mktemp("browser-auth")
    with ThreadedServer(offline_settings(root, admin_token=ADMIN)) as running:
        yield running


def _create(server: ThreadedServer, **settings: object) -> tuple[str, str]:
    response = httpx.post(
        f"{server.base_url}/create-session",
        json=settings,
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["session_id"], response.json()["candidate_token"]


def test_candidate_link_works_and_its_token_leaves_the_address_bar(
    page: Any, server: ThreadedServer
) -> None:
    sid, token = _create(server, job_position="Backend Engineer")
    sent: list[tuple[str, str | None]] = []
    page.on("request", lambda r: sent.append((r.url, r.headers.get("authorization"))))
    candidate = CandidatePage(page, server.base_url, sid, token).open()
    expect(candidate.begin).to_be_visible()
    assert page.url == f"{server.base_url}/app/interview/{sid}"
    candidate.start_with_keyboard()
    candidate.type_answer("I like building dependable APIs that teams rely on.")
    assert len(candidate.mine()) == 1

    page.reload()  # the token stays with this tab, not in the address bar
    expect(candidate.answer).to_be_focused()
    assert len(candidate.mine()) == 1
    assert token not in page.url

    api_calls = [(url, auth) for url, auth in sent if "/app/" not in url]
    assert api_calls and all(auth == f"Bearer {token}" for _, auth in api_calls)
    assert not [url for url, _ in sent if token in url]


def test_candidate_link_without_its_token_says_so_in_words(
    page: Any, server: ThreadedServer
) -> None:
    sid, _ = _create(server)
    CandidatePage(page, server.base_url, sid).open()
    expect(page.get_by_text("access token is missing or no longer valid")).to_be_visible()
    expect(page.get_by_role("button", name="Begin interview")).to_be_hidden()


def test_admin_page_refuses_a_bad_token_and_remembers_the_right_one_in_the_tab(
    page: Any, server: ThreadedServer
) -> None:
    sid, candidate_token = _create(server, candidate_name="Ana Lopez")
    admin = AdminConsole(page, server.base_url).open()
    expect(page.get_by_label("Admin token")).to_be_visible()
    expect(page.locator("#console")).to_be_hidden()

    admin.sign_in("not-the-token")
    expect(page.get_by_role("alert")).to_have_text(
        "That token was refused. Check the value of INTERVIEWER_ADMIN_TOKEN."
    )
    expect(page.locator("#console")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0

    admin.sign_in(candidate_token)
    expect(page.get_by_role("alert")).to_have_text(
        "That is a candidate's token, not the admin token."
    )
    expect(page.locator("#console")).to_be_hidden()

    admin.sign_in(ADMIN)
    expect(admin.row(sid)).to_contain_text("Ana Lopez")
    page.reload()
    expect(admin.row(sid)).to_contain_text("Ana Lopez")
    expect(page.get_by_label("Admin token")).to_be_hidden()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Admin token")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_link_created_in_the_console_carries_a_working_candidate_token(
    context: Any, page: Any, server: ThreadedServer
) -> None:
    admin = AdminConsole(page, server.base_url).open()
    admin.sign_in(ADMIN)
    page.get_by_label("Candidate name").fill("Bo Chen")
    page.get_by_role("button", name="Create session").click()
    field = page.get_by_label("Candidate link")
    expect(field).to_have_value(re.compile(r"/app/interview/[0-9a-f-]{36}#token=.{40,}$"))
    link = field.input_value()
    assert ADMIN not in link

    candidate_tab = context.new_page()
    candidate_tab.goto(link)
    candidate = CandidatePage(candidate_tab, server.base_url, link.split("#")[0].rsplit("/")[-1])
    candidate.start_with_keyboard()
    assert "Bo Chen" in candidate.mia()[0]
    expect(admin.transcript.locator("li.assistant").first).to_contain_text("Greeting")
