"""The audit log's hash chain, on both databases: appends link, an edited, replaced or deleted
entry breaks the chain and `audit verify` names it, replicas appending at once never fork it,
retention removes old entries and says so in the chain itself."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api import audit
from api.cli import run
from api.sessions import SessionRepository
from tests.unit.test_migrations import Target, _target

ANA = audit.Actor("Ana Ruiz", "reviewer")
SID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    with _target(request.param, tmp_path) as made:
        yield made


@pytest.fixture
async def repo(target: Target) -> AsyncIterator[SessionRepository]:
    made = target.repository()
    await made.setup()
    try:
        yield made
    finally:
        await made.close()


async def _fill(repo: SessionRepository, count: int) -> list[audit.AuditEntry]:
    return [
        await audit.append(
            repo, ANA, "decision.recorded", session_id=SID, details={"decision": "hold", "n": i}
        )
        for i in range(count)
    ]


async def _verify_cli(
    target: Target, root: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    status = await asyncio.to_thread(run, ["audit", "verify"], target.settings(root))
    out = capsys.readouterr()
    return status, out.out + out.err


def _verify_command(target: Target, root: Path) -> subprocess.CompletedProcess[str]:
    """`python -m api audit verify`, as an operator runs it."""
    env = {
        **os.environ,
        "INTERVIEWER_DB_PATH": str(target.path),
        "INTERVIEWER_SESSIONS_DIR": str(root / "sessions"),
    }
    env.pop("INTERVIEWER_DATABASE_URL", None)
    if target.url is not None:
        env["INTERVIEWER_DATABASE_URL"] = target.url
    return subprocess.run(
        [sys.executable, "-m", "api", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )


async def test_entries_link_into_one_chain_that_verifies(
    repo: SessionRepository, target: Target, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = await _fill(repo, 5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[2].actor == "Ana Ruiz" and entries[2].role == "reviewer"
    assert entries[2].details == {"decision": "hold", "n": 2}
    found = await audit.verify(repo)
    assert found.ok and found.checked == 5 and found.head is not None
    await repo.close()  # the CLI opens the database itself
    status, said = await _verify_cli(target, tmp_path, capsys)
    assert status == 0, said
    assert "verified: 5 entries" in said and entries[-1].hash in said


async def test_an_entry_edited_in_the_database_fails_verify_which_names_it(
    repo: SessionRepository, target: Target, tmp_path: Path
) -> None:
    await _fill(repo, 6)
    await repo.close()
    target.execute(
        'UPDATE interviewer_audit_log SET details = \'{"decision":"advance","n":3}\' WHERE seq = 4'
    )
    done = await asyncio.to_thread(_verify_command, target, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN at entry 4" in done.stderr and "edited" in done.stderr


async def test_an_entry_replaced_with_a_recomputed_hash_breaks_the_next_link(
    repo: SessionRepository, target: Target
) -> None:
    entries = await _fill(repo, 4)
    second = entries[1]
    forged = audit.entry_hash(
        2, second.at, "Someone Else", "admin", SID, second.action,
        audit.canonical(second.details), second.prev_hash,
    )  # fmt: skip
    target.execute(
        f"UPDATE interviewer_audit_log SET actor = 'Someone Else', role = 'admin',"
        f" hash = '{forged}' WHERE seq = 2"
    )
    found = await audit.verify(repo)
    assert found.broken == audit.Broken(
        2, "entry 3 does not link to it: the entry was replaced (its hash recomputed)"
    )


async def test_a_deleted_entry_is_named_as_missing(repo: SessionRepository, target: Target) -> None:
    await _fill(repo, 5)
    target.execute("DELETE FROM interviewer_audit_log WHERE seq = 3")
    found = await audit.verify(repo)
    assert found.broken is not None and found.broken.seq == 3
    assert "entry 3 is missing" in found.broken.reason
    target.execute("DELETE FROM interviewer_audit_log WHERE seq = 1")
    found = await audit.verify(repo)
    assert found.broken is not None and found.broken.seq == 1
    assert "no retention run recorded" in found.broken.reason


async def test_two_replicas_appending_at_once_leave_one_chain_that_verifies(
    target: Target,
) -> None:
    replicas = [target.repository(), target.repository()]
    for replica in replicas:
        await replica.setup()
    try:

        async def appender(replica: SessionRepository, name: str) -> list[int]:
            actor = audit.Actor(name, "recruiter")
            return [
                (await audit.append(replica, actor, "session.saved", session_id=SID)).seq
                for _ in range(25)
            ]

        # Two replicas (separate connections; SQLite: separate threads), four appenders each.
        results = await asyncio.gather(
            *(appender(replica, f"{i}-{j}") for i, replica in enumerate(replicas) for j in range(4))
        )
        taken = sorted(seq for seqs in results for seq in seqs)
        assert taken == list(range(1, 201))  # every place taken once: no fork, no gap
        found = await audit.verify(replicas[0])
        assert found.ok and found.checked == 200, found.describe()
    finally:
        for replica in replicas:
            await replica.close()


async def test_retention_removes_old_entries_records_it_and_the_chain_still_verifies(
    repo: SessionRepository,
) -> None:
    await _fill(repo, 4)
    later = datetime.now(UTC) + timedelta(days=10)
    assert await audit.purge_expired(repo, 5, now=later) == 3  # never the newest
    first = await repo.audit_first()
    assert first is not None and first.seq == 4
    head = await repo.audit_head()
    assert head is not None and head.action == "audit.purged" and head.actor == "system"
    found = await audit.verify(repo)
    assert found.ok, found.describe()
    assert await audit.purge_expired(repo, 5) == 0  # nothing old now: nothing recorded
    assert (await repo.audit_head()) == head


def test_the_default_retention_is_four_years() -> None:
    from api.config import Settings

    assert Settings(_env_file=None).audit_retention_days == 1461  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("details", "complaint"),
    [
        ({"message": "I led the billing migration"}, "no transcript text"),
        ({"Transcript": "..."}, "no transcript text"),
        ({"note": "x" * 501}, "longer than 500"),
        ({"nested": {"a": 1}}, "short value"),
    ],
)
def test_details_that_could_carry_the_interviews_words_are_refused(
    details: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        audit.check_details("session.saved", details)


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.check_details("session.teleported", {})


def test_the_oversight_guide_lists_every_audited_action() -> None:
    from api import oversight_docs
    from graph import docsection

    guide = Path(__file__).parents[2] / "docs" / "OVERSIGHT.md"
    assert docsection.check_file(
        guide, oversight_docs.ACTIONS_SECTION, oversight_docs.render_actions()
    ), "stale: run `python -m api.oversight_docs --write docs/OVERSIGHT.md`"
    assert set(audit.ACTIONS) >= audit.AUTOMATED
