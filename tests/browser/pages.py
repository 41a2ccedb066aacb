"""The two pages as tests see them: locators by role and label, as a user would find things."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

TURN_DONE = """() => {
  const byId = (id) => document.getElementById(id);
  return !byId("end").hidden || !byId("problem").hidden
    || (!byId("composer").hidden && !byId("send").disabled);
}"""


class CandidatePage:
    def __init__(self, page: Any, base_url: str, session_id: str, token: str | None = None):
        self.page = page
        self.url = f"{base_url}/app/interview/{session_id}" + (f"#token={token}" if token else "")
        self.answer = page.get_by_label("Your answer")
        self.send = page.get_by_role("button", name="Send")
        self.begin = page.get_by_role("button", name="Begin interview")
        self.acknowledgement = page.get_by_role("checkbox", name="I have read this notice")
        self.notice = page.get_by_role("region", name="Notice: an AI interviewer")
        self.retry = page.get_by_role("button", name="Try again")
        self.progress = page.get_by_role("progressbar")
        self.log = page.get_by_role("log")
        self.problem = page.get_by_role("alert")
        self.complete = page.get_by_role("heading", name="Interview complete")

    def open(self) -> CandidatePage:
        self.page.goto(self.url)
        return self

    def wait_turn(self) -> None:
        self.page.wait_for_function(TURN_DONE)

    def mia(self) -> list[str]:
        texts: list[str] = self.log.locator(".msg-mia .text").all_inner_texts()
        return texts

    def mine(self) -> list[str]:
        texts: list[str] = self.log.locator(".msg-you .text").all_inner_texts()
        return texts

    def start_with_keyboard(self) -> None:
        """Acknowledge the AI notice (it has the focus; Begin waits for it), then begin."""
        expect(self.acknowledgement).to_be_focused()
        expect(self.begin).to_be_disabled()
        self.page.keyboard.press("Space")
        self.page.keyboard.press("Tab")
        expect(self.begin).to_be_focused()
        self.page.keyboard.press("Enter")
        self.wait_turn()
        expect(self.answer).to_be_focused()

    def acknowledge_and_begin(self) -> None:
        self.acknowledgement.check()
        self.begin.click()

    def type_answer(self, text: str) -> None:
        """Keyboard only: the answer box has the focus after every reply."""
        expect(self.answer).to_be_focused()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self.wait_turn()

    def expect_progress(self, asked: int, total: int) -> None:
        expect(self.progress).to_have_attribute("aria-valuenow", str(asked))
        expect(self.progress).to_have_attribute("aria-valuemax", str(total))


ADMIN_REFRESH_MS = 2000
"""The console's refresh period (REFRESH_MS in api/web/admin.js)."""
TEST_REFRESH_MS = 250
# The console re-reads the registry and the open session every 2 s, and the live checks wait
# for those rounds (about ten of them in the admin tests). The test page runs the same loop at
# a shorter period; the loop, its requests and what it renders are the console's own.
_FASTER_REFRESH = f"""
(() => {{
  const realSetTimeout = window.setTimeout.bind(window);
  window.setTimeout = (handler, ms, ...rest) =>
    realSetTimeout(handler, ms === {ADMIN_REFRESH_MS} ? {TEST_REFRESH_MS} : ms, ...rest);
}})();
"""


class AdminConsole:
    def __init__(self, page: Any, base_url: str):
        page.add_init_script(_FASTER_REFRESH)
        self.page = page
        self.url = f"{base_url}/app/admin"
        self.sessions = page.locator("#sessions")
        self.view = page.locator("#session-view")
        self.transcript = page.locator("#transcript")
        self.action_status = page.locator("#action-status")
        self.dialog = page.get_by_role("dialog")

    def open(self, session_id: str | None = None) -> AdminConsole:
        self.page.goto(self.url + (f"#session={session_id}" if session_id else ""))
        return self

    def row(self, session_id: str) -> Any:
        return self.sessions.locator(f'tr[data-session="{session_id}"]')

    def sign_in(self, token: str) -> None:
        self.page.get_by_label("Admin token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()

    def action(self, name: str) -> Any:
        return self.view.get_by_role("group", name="Session actions").get_by_role(
            "button", name=name
        )
