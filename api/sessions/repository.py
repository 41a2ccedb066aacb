"""The session repository: the one place that owns a session, whatever the database.

A session is one row: its identity and settings, its *head* (the checkpoint the next turn
resumes from, on the thread of the interview's current generation), the progress fields the
head implies, and a *lease*. Every change to a session (a turn, reset, delete, save, expiry)
first takes the lease, a row-level claim held in the database with an expiry (`LeasePolicy`), so
any process on the same database can serve any session and a crashed holder frees it within
seconds.

A turn commits in one conditional update that moves the head together with its progress (and
records the turn's idempotency key), guarded by the lease token: a turn that fails or whose
process dies commits nothing, and its checkpoints are orphans that the next commit prunes.
Nothing ever deletes the head of a live session to "roll back".

This class is written once; a `Database` adapter (`sqlite.py`, `postgres.py`) runs its
statements, and the service never touches a table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from api.sessions import schema as q
from api.sessions.base import (
    AuditRow,
    Commit,
    Lease,
    LeasePurpose,
    Progress,
    SavedSummary,
    SessionRow,
    SessionSummaryRow,
    TurnRecord,
    now_iso,
)
from api.sessions.database import Database, Outcome, Step
from api.sessions.errors import LeaseLost, SessionBusy, SessionNotFound
from api.sessions.leases import LeasePolicy
from api.sessions.migrations import MIGRATIONS, LockedConnection, Migration, migrate
from graph.state import InterviewSettings


class SessionRepository:
    """Sessions, their leases, checkpoints, idempotency keys, saved documents and reports."""

    def __init__(
        self,
        database: Database,
        leases: LeasePolicy | None = None,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.database = database
        self.dialect = database.dialect
        self.backend = database.dialect.name
        self.leases = leases or LeasePolicy()
        self.migrations = migrations
        self.applied: list[int] = []
        """The migrations this process applied at setup (most start-ups: none)."""

    @property
    def saver(self) -> BaseCheckpointSaver[str]:
        """The LangGraph checkpointer on the same database."""
        return self.database.saver

    # --- lifecycle ------------------------------------------------------------------------

    async def setup(self) -> None:
        """Connect and bring the schema to this release's version (SchemaTooNew if the
        database's is newer). Constant time: no scan of existing sessions."""

        async def upgrade(conn: LockedConnection) -> None:
            self.applied = await migrate(conn, self.dialect, self.database.where, self.migrations)

        await self.database.setup(upgrade)

    async def close(self) -> None:
        await self.database.close()

    # --- plumbing -------------------------------------------------------------------------

    def _step(self, template: str, *params: Any) -> Step:
        return self.dialect.sql(template), params

    async def _rows(self, template: str, *params: Any) -> list[tuple[Any, ...]]:
        return await self.database.rows(self.dialect.sql(template), params)

    async def _change(self, template: str, *params: Any) -> int:
        outcomes = await self.database.run([self._step(template, *params)], atomic=False)
        assert outcomes is not None
        return outcomes[0].changed

    async def _guarded(self, lease: Lease, steps: list[Step]) -> list[Outcome]:
        """`steps` in one transaction, if the first (guarded by the lease) matches."""
        outcomes = await self.database.run(steps, guarded=True)
        if outcomes is None:
            raise LeaseLost(lease.session_id)
        return outcomes

    def _session(self, values: Sequence[Any]) -> SessionRow:
        return q.session_row(values, self.dialect)

    def _json(self, value: Any) -> Any:
        return self.dialect.encode_json(value)

    # --- sessions -------------------------------------------------------------------------

    async def create(
        self,
        session_id: str,
        settings: InterviewSettings,
        token_hash: str | None,
        cap: int | None = None,
    ) -> bool:
        """Insert the session, unless the database already holds `cap` sessions (False).
        The count and the insert are one statement; replicas creating at the same instant on
        PostgreSQL may pass the cap by the few they race with, never by more."""
        stamp = now_iso()
        changed = await self._change(
            q.INSERT_SESSION,
            session_id,
            stamp,
            stamp,
            self._json(settings.model_dump(mode="json")),
            token_hash,
            settings.total_expected_questions,
            cap if cap is not None else 2**62,
        )
        return changed == 1

    async def get(self, session_id: str) -> SessionRow | None:
        rows = await self._rows(q.SESSION_BY_ID, session_id)
        return self._session(rows[0]) if rows else None

    async def by_token_hash(self, token_hash: str) -> SessionRow | None:
        rows = await self._rows(q.SESSION_BY_TOKEN, token_hash)
        return self._session(rows[0]) if rows else None

    async def all(self) -> list[SessionRow]:
        """Every session, whole (start-up recovery; the session list reads `page`)."""
        return [self._session(r) for r in await self._rows(q.ALL_SESSIONS)]

    async def page(
        self, limit: int, after: tuple[str, str] | None = None
    ) -> list[SessionSummaryRow]:
        """Up to `limit` sessions in list order (created_at, session_id), after the
        (created_at, session_id) `after`: the database sorts, limits and picks the fields."""
        if after is None:
            rows = await self._rows(q.SESSION_PAGE, limit)
        else:
            created_at, session_id = after
            rows = await self._rows(q.SESSION_PAGE_AFTER, created_at, created_at, session_id, limit)
        return [
            SessionSummaryRow(
                session_id=r[0],
                created_at=r[1],
                last_access=r[2],
                active=bool(r[3]),
                questions_asked=int(r[4]),
                total_expected_questions=int(r[5]),
                stage=r[6],
                cheat_attempts=int(r[7]),
                candidate_name=str(r[8]),
                job_position=str(r[9]),
            )
            for r in rows
        ]

    async def idle_since(self, cutoff: str) -> list[str]:
        """Sessions whose last access is older than `cutoff` (a `now_iso()` timestamp)."""
        return [r[0] for r in await self._rows(q.IDLE_SINCE, cutoff)]

    # --- leases ---------------------------------------------------------------------------

    async def acquire(self, session_id: str, purpose: LeasePurpose) -> Lease:
        """Claim the session; SessionBusy while another live lease holds it, SessionNotFound."""
        return (await self.claim(session_id, purpose))[0]

    async def claim(self, session_id: str, purpose: LeasePurpose) -> tuple[Lease, SessionRow]:
        """`acquire`, and the row read under the lease: one trip to the database."""
        lease = Lease.new(session_id, purpose)
        outcomes = await self.database.run(
            [
                self._step(q.CLAIM, lease.token, purpose, self.leases.seconds, session_id),
                self._step(q.CLAIMED, session_id),
            ],
            # Nothing to roll back: the read only says what the claim found.
            atomic=False,
        )
        assert outcomes is not None
        rows = outcomes[1].rows
        if not rows:
            raise SessionNotFound(session_id)
        token, holder, *values = rows[0]
        if outcomes[0].changed != 1 or token != lease.token:
            raise SessionBusy(session_id, holder)
        return lease, self._session(values)

    async def renew(self, lease: Lease) -> bool:
        """Push the lease's expiry out; False when it was lost."""
        changed = await self._change(q.RENEW, self.leases.seconds, lease.session_id, lease.token)
        return changed == 1

    async def release(self, lease: Lease) -> None:
        await self._change(q.RELEASE, lease.session_id, lease.token)

    # --- changes (each under the caller's lease) ------------------------------------------

    async def commit(
        self,
        lease: Lease,
        expected_head: str | None,
        commit: Commit,
        keep: list[tuple[str, str]] | None = None,
    ) -> None:
        """Move the head and its progress and release the lease, in one conditional update
        (and record the turn's key in the same transaction); LeaseLost if not ours. With
        `keep`, every other checkpoint of the session's threads (orphans of failed turns, old
        generations) is removed in that transaction too, but the (thread_id, checkpoint_id)
        pairs in `keep`: nothing is pruned unless the head moves."""
        stamp = now_iso()
        sid = lease.session_id
        steps = [
            self._step(
                q.MOVE_HEAD,
                commit.generation,
                commit.head,
                *q.progress_params(commit.progress),
                stamp,
                sid,
                lease.token,
                expected_head,
            )
        ]
        record = commit.record
        if record is not None:
            steps.append(
                self._step(
                    q.INSERT_TURN_KEY,
                    sid,
                    commit.generation,
                    record.key,
                    record.request_hash,
                    record.reply,
                    self._json(record.events),
                    stamp,
                )
            )
        if keep is not None:
            steps += self._prune(sid, keep)
        await self._guarded(lease, steps)

    def _prune(self, session_id: str, keep: list[tuple[str, str]]) -> list[Step]:
        threads, params = self.dialect.threads_of_session(session_id)
        pairs = tuple(value for pair in keep for value in pair)
        steps = [
            self._step(q.prune_checkpoints(table, threads, len(keep)), *params, *pairs)
            for table in self.dialect.checkpoint_tables
        ]
        return steps + [self._step(sql, *params) for sql in self.dialect.after_prune]

    async def reset(self, lease: Lease, progress: Progress) -> None:
        """Forget the interview and release the lease: a new, empty generation (the old
        thread's checkpoints are orphans for the next prune)."""
        sid = lease.session_id
        params = (*q.progress_params(progress), now_iso(), sid, lease.token)
        await self._guarded(
            lease,
            [
                self._step(q.RESET, *params),
                self._step(q.DELETE_REPORT, sid),
                # Keys of the old interview could never replay again (they are scoped to
                # their generation): gone with it.
                self._step(q.DELETE_TURN_KEYS, sid),
            ],
        )

    async def delete(self, lease: Lease) -> None:
        """Remove the session, its checkpoints, keys and report (saved documents stay)."""
        sid = lease.session_id
        threads, params = self.dialect.threads_of_session(sid)
        await self._guarded(
            lease,
            [
                self._step(q.DELETE_SESSION, sid, lease.token),
                self._step(q.DELETE_TURN_KEYS, sid),
                self._step(q.DELETE_REPORT, sid),
                *(
                    self._step(q.delete_threads(table, threads), *params)
                    for table in self.dialect.thread_tables
                ),
            ],
        )

    async def prune_deleted(self) -> int:
        """Remove checkpoints of threads whose session no longer exists; how many threads."""
        count = int((await self._rows(q.ORPHAN_THREADS))[0][0])
        if count:
            await self.database.run(
                [self._step(q.delete_orphans(table)) for table in self.dialect.thread_tables]
            )
        return count

    # --- idempotency ----------------------------------------------------------------------

    async def committed_turn(self, session_id: str, key: str) -> TurnRecord | None:
        rows = await self._rows(q.TURN_KEY, session_id, key)
        if not rows:
            return None
        key, request_hash, reply, events = rows[0]
        return TurnRecord(key, request_hash, reply, list(self.dialect.decode_json(events)))

    # --- saved sessions -------------------------------------------------------------------

    async def save_document(
        self, session_id: str, reason: str, document: dict[str, Any], generation: int = 0
    ) -> None:
        """Keep a saved session document in the database, readable from every replica: one
        per session, interview `generation` and reason (saving again replaces it)."""
        await self._change(
            q.UPSERT_SAVED, session_id, generation, now_iso(), reason, self._json(document)
        )

    async def saved_documents(self) -> list[SavedSummary]:
        return [SavedSummary(*r) for r in await self._rows(q.SAVED_LIST)]

    async def saved_document(self, session_id: str) -> dict[str, Any] | None:
        """The latest saved document of the session, even after it was deleted."""
        rows = await self._rows(q.SAVED_LATEST, session_id)
        return dict(self.dialect.decode_json(rows[0][0])) if rows else None

    # --- evaluation reports ---------------------------------------------------------------

    async def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        await self._change(q.UPSERT_REPORT, session_id, self._json(report), now_iso())

    async def get_report(self, session_id: str) -> dict[str, Any] | None:
        rows = await self._rows(q.REPORT, session_id)
        return dict(self.dialect.decode_json(rows[0][0])) if rows else None

    # --- replica-wide duties --------------------------------------------------------------

    async def claim_duty(self, name: str, owner: str, seconds: float) -> bool:
        """Whether `owner` holds the named duty (e.g. the sweeper) for the next `seconds`:
        one replica at a time does it, another takes over when the holder stops renewing."""
        return await self._change(q.CLAIM_DUTY, name, owner, seconds) == 1

    # --- the audit log (api/audit.py owns the chain's rules) ------------------------------

    async def audit_head(self) -> AuditRow | None:
        """The newest entry of the audit log."""
        rows = await self._rows(q.AUDIT_HEAD)
        return AuditRow(*rows[0]) if rows else None

    async def audit_first(self) -> AuditRow | None:
        """The oldest entry still kept."""
        rows = await self._rows(q.AUDIT_FIRST)
        return AuditRow(*rows[0]) if rows else None

    async def audit_append(self, row: AuditRow) -> bool:
        """Take the place `row.seq` in the chain; False when another appender took it."""
        return await self._change(q.AUDIT_APPEND, *dataclasses.astuple(row)) == 1

    async def audit_after(self, after: int, limit: int) -> list[AuditRow]:
        """The chain in order from the entry after `after`, at most `limit` entries."""
        return [AuditRow(*r) for r in await self._rows(q.AUDIT_AFTER, after, limit)]

    async def audit_entries(
        self, *, after: int, limit: int, session_id: str | None, since: str | None
    ) -> list[AuditRow]:
        """Entries after `after`, of one session and at or after `since` when given."""
        params: list[Any] = [after]
        if session_id is not None:
            params.append(session_id)
        if since is not None:
            params.append(since)
        template = q.audit_query(session_id is not None, since is not None)
        return [AuditRow(*r) for r in await self._rows(template, *params, limit)]

    async def audit_purge(self, cutoff: str) -> int:
        """Remove entries older than `cutoff` (never the newest); how many."""
        return await self._change(q.AUDIT_PURGE, cutoff)
