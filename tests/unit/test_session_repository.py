"""The session repository's contract, on both backends (SQLite file, real PostgreSQL).

What every caller relies on: a lease is exclusive until released or expired; a commit moves head
and progress together and only for the lease holder; keys, saved documents, reports and duties
behave the same whichever database holds them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint

from api.sessions import (
    Commit,
    LeaseLost,
    LeasePolicy,
    Progress,
    SessionBusy,
    SessionNotFound,
    SessionRepository,
    TurnRecord,
    open_repository,
)
from graph.state import InterviewSettings
from tests.support.postgres import fresh_database

SETTINGS = InterviewSettings(candidate_name="Ana", behavioral_questions=2, technical_questions=1)
SHORT_LEASES = LeasePolicy(seconds=0.4)


def progress(turns: int, asked: int = 1, active: bool = True) -> Progress:
    return Progress(
        started=True,
        active=active,
        stage="behavioral",
        questions_asked=asked,
        total_expected_questions=3,
        cheat_attempts=0,
        turns=turns,
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionRepository]:
    if request.param == "sqlite":
        repository = open_repository(None, str(tmp_path / "db.sqlite"), SHORT_LEASES, 5)
        await repository.setup()
        try:
            yield repository
        finally:
            await repository.close()
        return
    with fresh_database() as url:
        repository = open_repository(url, "", SHORT_LEASES, 5)
        await repository.setup()
        try:
            yield repository
        finally:
            await repository.close()


async def new_session(repo: SessionRepository) -> str:
    sid = str(uuid.uuid4())
    await repo.create(sid, SETTINGS, token_hash="digest-" + sid)
    return sid


async def test_a_new_session_has_no_head_and_the_settings_it_was_created_with(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    row = await repo.get(sid)
    assert row is not None
    assert (row.head, row.generation, row.started, row.active) == (None, 0, False, False)
    assert row.settings == SETTINGS
    assert row.total_expected_questions == 3
    assert (await repo.by_token_hash("digest-" + sid)) == row
    assert [r.session_id for r in await repo.page(10)] == [sid]


async def test_a_lease_is_exclusive_until_released(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    with pytest.raises(SessionBusy):
        await repo.acquire(sid, "reset")
    await repo.release(lease)
    second = await repo.acquire(sid, "reset")
    assert second.token != lease.token


async def test_acquiring_an_unknown_session_is_not_found(repo: SessionRepository) -> None:
    with pytest.raises(SessionNotFound):
        await repo.acquire(str(uuid.uuid4()), "turn")


async def test_concurrent_acquires_give_exactly_one_lease(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    results = await asyncio.gather(
        *(repo.acquire(sid, "turn") for _ in range(8)), return_exceptions=True
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 1
    assert all(isinstance(r, SessionBusy) for r in results if isinstance(r, BaseException))


async def test_an_expired_lease_frees_the_session_and_its_holder_can_no_longer_commit(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    crashed = await repo.acquire(sid, "turn")
    await asyncio.sleep(0.6)  # lease_seconds is 0.4 in these tests
    taker = await repo.acquire(sid, "turn")
    with pytest.raises(LeaseLost):
        await repo.commit(crashed, None, Commit(0, "ckpt-a", progress(1)))
    await repo.commit(taker, None, Commit(0, "ckpt-b", progress(1)))
    row = await repo.get(sid)
    assert row is not None and row.head == "ckpt-b"


async def test_renewing_keeps_a_lease_past_its_first_expiry(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    for _ in range(3):
        await asyncio.sleep(0.2)
        assert await repo.renew(lease)
    with pytest.raises(SessionBusy):
        await repo.acquire(sid, "turn")


async def test_a_commit_moves_head_and_progress_together_and_releases_the_lease(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    await repo.commit(lease, None, Commit(0, "ckpt-1", progress(turns=1, asked=1)))
    row = await repo.get(sid)
    assert row is not None
    assert (row.head, row.turns, row.questions_asked, row.active) == ("ckpt-1", 1, 1, True)
    # Released with the commit: the next change can claim it at once.
    await repo.release(await repo.acquire(sid, "turn"))


async def test_a_commit_on_a_moved_head_changes_nothing(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    await repo.commit(lease, None, Commit(0, "ckpt-1", progress(1)))
    stale = await repo.acquire(sid, "turn")
    with pytest.raises(LeaseLost):
        await repo.commit(stale, "not-the-head", Commit(0, "ckpt-2", progress(2)))
    row = await repo.get(sid)
    assert row is not None and (row.head, row.turns) == ("ckpt-1", 1)


async def test_a_committed_turn_is_remembered_under_its_key_for_that_session_only(
    repo: SessionRepository,
) -> None:
    sid, other = await new_session(repo), await new_session(repo)
    record = TurnRecord("key-1", "hash", "Hello Ana.", [{"event": "state", "turns": 1}])
    lease = await repo.acquire(sid, "turn")
    await repo.commit(lease, None, Commit(0, "ckpt-1", progress(1), record))
    assert await repo.committed_turn(sid, "key-1") == record
    assert await repo.committed_turn(other, "key-1") is None
    assert await repo.committed_turn(sid, "key-2") is None


async def test_a_failed_commit_does_not_remember_its_key(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    record = TurnRecord("key-1", "hash", "reply", [])
    with pytest.raises(LeaseLost):
        await repo.commit(lease, "wrong-head", Commit(0, "ckpt-1", progress(1), record))
    assert await repo.committed_turn(sid, "key-1") is None


async def test_reset_starts_a_new_generation_without_a_head(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    await repo.commit(lease, None, Commit(0, "ckpt-1", progress(1)))
    await repo.save_report(sid, {"status": "ready"})
    lease = await repo.acquire(sid, "reset")
    empty = Progress(False, False, "created", 0, 3, 0, 0)
    await repo.reset(lease, empty)
    row = await repo.get(sid)
    assert row is not None
    assert (row.head, row.generation, row.started, row.turns) == (None, 1, False, 0)
    assert row.thread_id == f"{sid}:1"
    assert await repo.get_report(sid) is None
    await repo.release(await repo.acquire(sid, "turn"))  # the reset released its lease


async def test_delete_removes_the_session_but_keeps_its_saved_documents(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "delete")
    await repo.save_document(sid, "deleted", {"session_id": sid, "history": []})
    await repo.delete(lease)
    assert await repo.get(sid) is None
    with pytest.raises(SessionNotFound):
        await repo.acquire(sid, "turn")
    assert await repo.saved_document(sid) == {"session_id": sid, "history": []}
    assert [(s.session_id, s.reason) for s in await repo.saved_documents()] == [(sid, "deleted")]


async def test_delete_without_the_lease_is_refused(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    lease = await repo.acquire(sid, "turn")
    await repo.release(lease)
    with pytest.raises(LeaseLost):
        await repo.delete(lease)
    assert await repo.get(sid) is not None


async def test_the_latest_saved_document_is_returned(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    await repo.save_document(sid, "saved", {"n": 1})
    await repo.save_document(sid, "saved", {"n": 2})
    assert await repo.saved_document(sid) == {"n": 2}


async def test_reports_are_stored_and_replaced(repo: SessionRepository) -> None:
    sid = await new_session(repo)
    assert await repo.get_report(sid) is None
    await repo.save_report(sid, {"status": "pending"})
    await repo.save_report(sid, {"status": "ready", "overall": {"score": 7}})
    assert await repo.get_report(sid) == {"status": "ready", "overall": {"score": 7}}


async def test_a_duty_has_one_holder_until_it_lapses(repo: SessionRepository) -> None:
    assert await repo.claim_duty("sweeper", "replica-a", 0.4)
    assert not await repo.claim_duty("sweeper", "replica-b", 0.4)
    assert await repo.claim_duty("sweeper", "replica-a", 0.4)  # the holder renews
    await asyncio.sleep(0.6)
    assert await repo.claim_duty("sweeper", "replica-b", 0.4)
    assert not await repo.claim_duty("sweeper", "replica-a", 0.4)


async def test_idle_sessions_are_those_accessed_before_the_cutoff(repo: SessionRepository) -> None:
    old = await new_session(repo)
    from api.sessions import now_iso

    cutoff = now_iso()
    await asyncio.sleep(0.01)
    fresh = await new_session(repo)
    idle = await repo.idle_since(cutoff)
    assert old in idle and fresh not in idle


async def test_claim_takes_the_lease_and_reads_the_row_or_says_what_holds_it(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    lease, row = await repo.claim(sid, "turn")
    assert row == await repo.get(sid) and row.session_id == sid
    with pytest.raises(SessionBusy) as busy:
        await repo.claim(sid, "turn")
    assert busy.value.purpose == "turn"
    await repo.release(lease)
    second, _ = await repo.claim(sid, "reset")
    assert second.token != lease.token
    with pytest.raises(SessionNotFound):
        await repo.claim(str(uuid.uuid4()), "turn")


async def _checkpoint(repo: SessionRepository, thread_id: str) -> str:
    checkpoint = empty_checkpoint()
    config: RunnableConfig = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    await repo.saver.aput(config, checkpoint, {}, {})
    return str(checkpoint["id"])


async def _checkpoints(repo: SessionRepository, sid: str) -> set[tuple[str, str]]:
    found = set()
    for generation in (0, 1):
        thread = f"{sid}:{generation}"
        async for item in repo.saver.alist({"configurable": {"thread_id": thread}}):
            found.add((thread, str(item.config["configurable"]["checkpoint_id"])))
    return found


async def test_a_commit_prunes_all_but_the_kept_checkpoints_and_a_refused_one_prunes_none(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    other = await new_session(repo)
    old = [await _checkpoint(repo, f"{sid}:0") for _ in range(3)]
    stale_generation = await _checkpoint(repo, f"{sid}:1")
    neighbour = await _checkpoint(repo, f"{other}:0")
    everything = await _checkpoints(repo, sid)
    assert len(everything) == 4

    lease = await repo.acquire(sid, "turn")
    keep = [(f"{sid}:0", old[2]), (f"{sid}:0", old[1])]
    with pytest.raises(LeaseLost):  # the head it expects is not the session's head
        await repo.commit(lease, "not-the-head", Commit(0, old[2], progress(1), None), keep=keep)
    assert await _checkpoints(repo, sid) == everything, "a refused commit pruned checkpoints"

    await repo.commit(lease, None, Commit(0, old[2], progress(1), None), keep=keep)
    assert await _checkpoints(repo, sid) == set(keep)
    assert (f"{sid}:1", stale_generation) not in await _checkpoints(repo, sid)
    assert await _checkpoints(repo, other) == {(f"{other}:0", neighbour)}


async def test_replicas_setting_up_a_new_postgresql_database_at_once_all_start() -> None:
    # LangGraph's migrations raced each other: two replicas started together on a new database
    # failed 3-4 times in 6 with a UniqueViolation.
    with fresh_database() as url:
        repositories = [open_repository(url, "", LeasePolicy(seconds=5), 5) for _ in range(4)]
        try:
            await asyncio.gather(*(r.setup() for r in repositories))
            sid = await new_session(repositories[0])
            assert all([await r.get(sid) is not None for r in repositories])
        finally:
            for repository in repositories:
                await repository.close()


async def test_delete_removes_every_checkpoint_of_the_session_and_no_other(
    repo: SessionRepository,
) -> None:
    sid = await new_session(repo)
    other = await new_session(repo)
    for thread in (f"{sid}:0", f"{sid}:1"):
        await _checkpoint(repo, thread)
    neighbour = await _checkpoint(repo, f"{other}:0")
    await repo.delete(await repo.acquire(sid, "delete"))
    assert await _checkpoints(repo, sid) == set()
    assert await _checkpoints(repo, other) == {(f"{other}:0", neighbour)}


async def test_pruning_deleted_sessions_removes_only_threads_of_sessions_that_are_gone(
    repo: SessionRepository,
) -> None:
    live = await new_session(repo)
    gone = str(uuid.uuid4())  # a session whose row is gone but whose threads were left
    kept = await _checkpoint(repo, f"{live}:0")
    for thread in (f"{gone}:0", f"{gone}:0", f"{gone}:3"):
        await _checkpoint(repo, thread)
    studio = await _checkpoint(repo, "not-a-session-thread")  # not ours to judge: kept
    assert await repo.prune_deleted() == 2
    assert await _checkpoints(repo, gone) == set()
    assert await _checkpoints(repo, live) == {(f"{live}:0", kept)}
    listed = [
        t async for t in repo.saver.alist({"configurable": {"thread_id": "not-a-session-thread"}})
    ]
    assert [str(t.config["configurable"]["checkpoint_id"]) for t in listed] == [studio]
    assert await repo.prune_deleted() == 0


async def test_a_create_past_the_cap_inserts_nothing(repo: SessionRepository) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert await repo.create(first, SETTINGS, None, cap=1)
    assert not await repo.create(second, SETTINGS, None, cap=1)
    assert await repo.get(second) is None
    assert await repo.create(second, SETTINGS, None, cap=2)


async def test_the_session_list_is_paged_in_the_database_in_creation_order(
    repo: SessionRepository,
) -> None:
    made = [await new_session(repo) for _ in range(5)]
    first = await repo.page(2)
    assert [r.session_id for r in first] == made[:2]
    assert first[0].candidate_name == SETTINGS.candidate_name
    assert first[0].job_position == SETTINGS.job_position
    assert (first[0].stage, first[0].active, first[0].total_expected_questions) == (
        "created",
        False,
        3,
    )
    rest = await repo.page(10, (first[-1].created_at, first[-1].session_id))
    assert [r.session_id for r in rest] == made[2:]
