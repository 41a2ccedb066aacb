"""Integrity signals from the real candidate page in Chromium: a paste, a switch to another
window, a typed answer; what /security-info and the admin console then show; the depth probe
that follows a mostly pasted answer (issue 21)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.pages import AdminConsole, CandidatePage
from tests.support.server import Api, ThreadedServer

PLAN = {
    "candidate_name": "Ana Lopez",
    "job_position": "Backend Engineer",
    "skills": ["PostgreSQL"],
    "technical_questions": 2,
    "behavioral_questions": 0,
}
PASTED = (
    "I would put a connection pool in front of PostgreSQL, index the join keys, and move the "
    "slow aggregate queries to a materialized view refreshed every few minutes, watching the "
    "query planner's estimates with EXPLAIN ANALYZE to be sure the indexes are used."
)
PERSONAL = "I enjoy building reliable data systems."
AWAY_MS = 1500


def _to_technical(candidate: CandidatePage, api: Api, sid: str) -> None:
    candidate.open()
    candidate.start_with_keyboard()
    candidate.type_answer(PERSONAL)
    assert api.status(sid)["stage"] == "technical"


def _real_focus(context: Any, page: Any) -> None:
    """Headless Chromium tells every page it has the focus; let this one lose it for real."""
    context.new_cdp_session(page).send("Emulation.setFocusEmulationEnabled", {"enabled": False})


def test_a_real_paste_and_a_window_switch_show_in_security_info_and_the_console(
    context: Any, page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    candidate = CandidatePage(page, server.base_url, sid)
    _to_technical(candidate, api, sid)
    _real_focus(context, page)

    page.evaluate("(text) => navigator.clipboard.writeText(text)", PASTED)
    candidate.answer.focus()
    page.keyboard.press("Control+V")
    expect(candidate.answer).to_have_value(PASTED)
    other = context.new_page()  # another window in front: the candidate page loses the focus
    other.bring_to_front()
    other.wait_for_timeout(AWAY_MS)
    page.bring_to_front()
    other.close()
    candidate.answer.focus()
    page.keyboard.press("Enter")
    candidate.wait_turn()

    security = api.security(sid)
    assert security["potential_cheat_attempts"] == 0 and security["events"] == []
    answer = security["integrity"]["answers"][-1]
    client = answer["client"]
    assert [p["length"] for p in client["pastes"]] == [len(PASTED)]
    assert client["keystrokes"] == 0
    [away] = client["blurs"]
    assert AWAY_MS - 200 <= away["duration_ms"] <= AWAY_MS + 5000
    assert away["at_ms"] >= client["pastes"][0]["at_ms"]
    assert answer["pasted_share"] == 1.0 and "mostly_pasted" in answer["flags"]
    assert "left_page" in answer["flags"]
    assert answer["note"].startswith("About 100% of this answer was pasted")
    assert "out of focus once" in answer["note"]

    # The mostly pasted answer is followed by a depth probe on a part of it.
    probe = candidate.mia()[-1]
    assert "in your own words" in probe
    labelled = api.http.get(f"/conversation-history/{sid}", params={"labels": "true"}).json()
    assert labelled["history"][-1]["label"]["depth_probe"] is True

    console = AdminConsole(context.new_page(), server.base_url).open(sid)
    pasted_item = console.transcript.locator("li").nth(answer["message_index"])
    expect(pasted_item).to_contain_text(PASTED)
    expect(pasted_item.locator(".signals-note")).to_contain_text(
        "About 100% of this answer was pasted"
    )
    expect(pasted_item.locator(".signals-note")).to_contain_text("out of focus once")
    expect(console.transcript.locator("li").last).to_contain_text("Depth probe 1 to question 1")
    expect(console.page.locator("#signals-summary")).to_contain_text("1 of 2 answers mostly pasted")
    expect(console.page.locator("#cheats-table")).to_be_hidden()  # the cheat count: still none


def test_a_typed_answer_shows_no_paste(page: Any, api: Api, server: ThreadedServer) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid)
    _to_technical(candidate, api, sid)
    typed = "I would add an index on the join keys and check the plan."
    candidate.type_answer(typed)
    answer = api.security(sid)["integrity"]["answers"][-1]
    client = answer["client"]
    assert client["pastes"] == [] and answer["pasted_share"] == 0.0
    assert client["keystrokes"] == len(typed)
    assert client["typing_ms"] > 0 and client["first_key_ms"] is not None
    assert "nothing pasted" in answer["note"] and "mostly_pasted" not in answer["flags"]
    assert "in your own words" not in candidate.mia()[-1]


def test_the_page_says_what_it_notes_and_counts_down_a_time_limit_calmly(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN, answer_time_limit_seconds=120)
    candidate = CandidatePage(page, server.base_url, sid).open()
    notice = page.locator("#signals-notice")
    expect(notice).to_contain_text("never records what you type or paste")
    expect(page.locator("#time-limit-notice")).to_contain_text("2 minutes")
    candidate.start_with_keyboard()
    countdown = page.get_by_role("timer")
    expect(countdown).to_contain_text("left")
    expect(countdown).to_contain_text("1:5")


HIDE_FOR = """(ms) => new Promise((resolve) => {
  // Headless Chromium never hides a tab, whatever is in front: the page's own visibility
  // state is set as a browser sets it, and the same event fired.
  const set = (state) => {
    Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  };
  set("hidden");
  setTimeout(() => { set("visible"); resolve(); }, ms);
})"""


def test_time_on_a_hidden_page_is_sent_with_its_duration(
    page: Any, api: Api, server: ThreadedServer
) -> None:
    sid = api.create(**PLAN)
    candidate = CandidatePage(page, server.base_url, sid)
    _to_technical(candidate, api, sid)
    page.keyboard.type("I would add an index ")
    page.evaluate(HIDE_FOR, AWAY_MS)
    candidate.answer.focus()
    page.keyboard.type("on the join keys.")
    page.keyboard.press("Enter")
    candidate.wait_turn()
    answer = api.security(sid)["integrity"]["answers"][-1]
    [hidden] = answer["client"]["hidden"]
    assert AWAY_MS - 100 <= hidden["duration_ms"] <= AWAY_MS + 2000
    assert "left_page" in answer["flags"] and "hidden once" in answer["note"]
    assert api.security(sid)["potential_cheat_attempts"] == 0
