"""The lease policy: one object, from the settings, that every user of a lease rule reads.

Durations (session leases, the sweeper's duty), renewal (a running turn), retry (a background
save waiting for a busy session) and abandonment (a pending evaluation report).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.evaluations import EvaluationRunner
from api.interviews import InterviewService
from api.main import create_app
from api.report_types import PendingReport
from api.sessions import LeasePolicy, SessionBusy, SessionRepository
from api.sweeper import run_sweeper

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _settings(root: Path, **overrides: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        db_path=root / "db.sqlite",
        sessions_dir=root / "sessions",
        llm="offline",
        **overrides,
    )


def test_the_policy_takes_the_lease_and_sweep_settings_and_derives_the_rest(
    tmp_path: Path,
) -> None:
    policy = LeasePolicy.from_settings(
        _settings(tmp_path, lease_seconds=6.0, sweep_interval_seconds=8.0)
    )
    assert (policy.seconds, policy.renew_every, policy.duty_seconds) == (6.0, 2.0, 20.0)
    # Floors: a tiny lease is not renewed in a busy loop, a frequent sweep keeps its duty 10 s.
    tiny = LeasePolicy.from_settings(
        _settings(tmp_path, lease_seconds=0.3, sweep_interval_seconds=1.0)
    )
    assert (tiny.renew_every, tiny.duty_seconds) == (0.2, 10.0)


def test_a_pending_report_is_abandoned_once_older_than_the_policy_allows() -> None:
    policy = LeasePolicy()
    at = NOW - timedelta(seconds=policy.report_abandoned_after)
    assert not policy.report_abandoned((at + timedelta(seconds=1)).isoformat(), NOW)
    assert policy.report_abandoned((at - timedelta(seconds=1)).isoformat(), NOW)
    # A naive stamp is UTC; a missing or unreadable one cannot be vouched for.
    naive = (NOW - timedelta(seconds=10)).replace(tzinfo=None).isoformat()
    assert not policy.report_abandoned(naive, NOW)
    assert policy.report_abandoned(None, NOW)
    assert policy.report_abandoned("yesterday", NOW)


async def test_waiting_for_a_busy_session_retries_then_gives_up_after_the_wait() -> None:
    policy = LeasePolicy(busy_wait_seconds=0.2, busy_poll_seconds=0.05)
    tries: list[float] = []

    async def busy_twice() -> str:
        tries.append(time.monotonic())
        if len(tries) < 3:
            raise SessionBusy("s", "turn")
        return "claimed"

    assert await policy.wait_for(busy_twice) == "claimed"
    assert len(tries) == 3

    tries.clear()

    async def always_busy() -> str:
        tries.append(time.monotonic())
        raise SessionBusy("s", "turn")

    with pytest.raises(SessionBusy):
        await policy.wait_for(always_busy)
    assert len(tries) == 4  # 0.2 s at one try per 0.05 s
    assert tries[-1] - tries[0] >= 0.15


def test_the_service_the_sweeper_the_save_and_the_evaluations_read_the_apps_one_policy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path, lease_seconds=4.0, sweep_interval_seconds=30.0)
    with TestClient(create_app(settings)) as client:
        repo: SessionRepository = client.app.state.repo  # type: ignore[attr-defined]
        service: InterviewService = client.app.state.service  # type: ignore[attr-defined]
        runner: EvaluationRunner = client.app.state.evaluations  # type: ignore[attr-defined]
        assert repo.leases == LeasePolicy.from_settings(settings)
        assert service.repo is repo

        # Evaluations: what counts as abandoned is the policy's.
        pending = PendingReport(session_id="s", requested_at=datetime.now(UTC).isoformat())
        assert not runner.is_abandoned(pending)
        repo.leases = dataclasses.replace(repo.leases, report_abandoned_after=-1.0)
        assert runner.is_abandoned(pending)

        # The background save: how long it waits for a busy session is the policy's.
        repo.leases = dataclasses.replace(repo.leases, busy_wait_seconds=0.3)
        sid = client.post("/create-session", json={}).json()["session_id"]
        assert client.portal is not None
        held = client.portal.call(repo.acquire, sid, "turn")
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="api.routes"):
            assert client.post(f"/save-session/{sid}").status_code == 200
        assert time.monotonic() - started < 10
        assert any("stayed busy" in r.getMessage() for r in caplog.records)
        assert client.get(f"/saved-sessions/{sid}").status_code == 404
        assert held.session_id == sid


async def test_the_sweeper_claims_its_duty_for_as_long_as_the_policy_says(tmp_path: Path) -> None:
    claims: list[float] = []
    sweeping = asyncio.Event()

    class Repo:
        leases = LeasePolicy(sweep_interval=0.01, shortest_duty=0.0, duty_periods=7.0)

        async def claim_duty(self, name: str, owner: str, seconds: float) -> bool:
            claims.append(seconds)
            sweeping.set()
            return False

    class Service:
        repo = Repo()

    settings = _settings(tmp_path, sweep_interval_seconds=0.01)
    task = asyncio.create_task(run_sweeper(Service(), settings, "me"))  # type: ignore[arg-type]
    await asyncio.wait_for(sweeping.wait(), 10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert claims[0] == pytest.approx(0.07)
