"""The admin console's review panel in real Chromium: a reviewer signed in with their own key
overrides a score with a reason, disregards a skill, keeps private notes and decides; the
console shows the AI's recommendation beside the person's decision, with name and date."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from api.cli import run
from tests.browser.pages import AdminConsole
from tests.support.server import ThreadedServer, offline_settings

ADMIN = "bootstrap-admin-token"
ANSWER = "I tuned PostgreSQL indexes on the join keys and cut the p95 latency by half."


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[ThreadedServer]:
    with ThreadedServer(offline_settings(tmp_path, admin_token=ADMIN)) as server:
        yield server


def _finished_with_report(base_url: str) -> tuple[str, dict[str, Any]]:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=base_url, timeout=60, headers=admin) as client:
        sid = client.post(
            "/create-session",
            json={"candidate_name": "Ana Lopez", "job_position": "Backend Engineer",
                  "technical_questions": 1, "behavioral_questions": 0, "skills": ["postgresql"]},
        ).json()["session_id"]  # fmt: skip
        assert client.post(f"/start-interview/{sid}").status_code == 200
        chat = {"session_id": sid, "message": ANSWER}
        assert client.post(f"/chat/{sid}", json=chat).status_code == 200
        assert client.post(f"/end-interview/{sid}").status_code == 200
        deadline = time.monotonic() + 60
        while (got := client.get(f"/report/{sid}")).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert got.status_code == 200, got.text
        return sid, got.json()


def test_a_reviewer_overrides_disregards_and_decides_in_the_console(
    page: Any, secured: ThreadedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command runs its own event loop: off this thread, where Playwright's runs.
    with ThreadPoolExecutor(1) as pool:
        argv = ["users", "add", "--name", "Ana Ruiz", "--role", "reviewer"]
        assert pool.submit(run, argv, secured.settings).result() == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    sid, report = _finished_with_report(secured.base_url)
    first = report["questions"][0]
    skill = report["skills"][0]["skill"]

    admin = AdminConsole(page, secured.base_url).open(sid)
    admin.sign_in(key)
    panel = page.locator("#review")
    expect(panel).to_be_visible(timeout=15000)
    ai = report["overall"]["recommendation"]
    expect(page.locator("#review-verdict")).to_have_text(f"AI: {ai} · no decision by a person yet")

    label = f"Q{first['number']} ({first['stage']}"
    question = panel.locator("#review-items tr").filter(has_text=label)
    question.get_by_role("combobox").select_option("override")
    question.get_by_label("your score").fill("4")
    question.get_by_label("reason").fill("Named the index trade-off; the AI missed it.")
    panel.locator("#review-items tr").filter(has_text=f"Skill {skill}").get_by_role(
        "combobox"
    ).select_option("disregard")
    panel.get_by_label("Private notes").fill("Compare with the take-home.")
    panel.get_by_role("button", name="Save review").click()
    expect(page.locator("#review-status")).to_have_text("Review saved.")

    panel.get_by_label("Decision", exact=True).select_option("advance")
    panel.get_by_label("Reason for the decision").fill("Strong on SQL; design is teachable.")
    panel.get_by_role("button", name="Record decision").click()
    expect(page.locator("#decision-status")).to_have_text("Decision recorded.")
    verdict = page.locator("#review-verdict")
    expect(verdict).to_contain_text(f"AI: {ai} · Reviewer Ana Ruiz, ")
    expect(verdict).to_contain_text(": advance, because Strong on SQL; design is teachable.")
    history = page.locator("#review-history")
    expect(history).to_contain_text(f"Ana Ruiz (reviewer) reviewed: Q{first['number']}:")
    expect(history).to_contain_text(f"skill {skill}: disregarded")

    # An override without a reason is refused, and the console says why.
    question.get_by_label("reason").fill("")
    panel.get_by_role("button", name="Save review").click()
    expect(page.locator("#review-status")).to_contain_text("reason")

    served = httpx.get(
        f"{secured.base_url}/report/{sid}", headers={"Authorization": f"Bearer {key}"}
    ).json()
    human = served["human_review"]
    assert human["decision"]["decided_by"] == "Ana Ruiz"
    assert human["review"]["items"][0]["score"] == 4
    assert served["questions"][0]["score"] == first["score"]  # the AI's, unchanged
