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

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from langgraph.checkpoint.base import BaseCheckpointSaver

from api.sessions import schema as q
from api.sessions.base import (
    AuditRow,
    Commit,
    DeliveryRow,
    DeliveryState,
    Lease,
    LeasePurpose,
    MetricsCounts,
    PersonRow,
    Progress,
    SavedSummary,
    SessionRow,
    SessionSummaryRow,
    TurnRecord,
    now_iso,
)
from api.sessions.database import Database, Outcome, Step
from api.sessions.errors import LeaseLost, SessionBusy, SessionNotFound, database_failure
from api.sessions.leases import LeasePolicy
from api.sessions.migrations import MIGRATIONS, LockedConnection, Migration, migrate
from graph.state import InterviewSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")

STARTUP_FIRST_RETRY = 0.5
"""Seconds before start-up tries the database again; doubles..."""
STARTUP_MAX_RETRY = 5.0
"""...up to this."""


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

    async def wait_until_reachable(self, limit: float) -> None:
        """Wait for the database with a doubling backoff (a replica may start before its
        database, or during a restart of it); raise its last error once `limit` seconds have
        passed without it answering. Errors that are not the database's (a bad URL's
        credentials are) are raised at once."""
        began = time.monotonic()
        delay = STARTUP_FIRST_RETRY
        while True:
            waited = time.monotonic() - began
            try:
                await self.database.reachable(max(1.0, min(STARTUP_MAX_RETRY, limit - waited)))
                return
            except Exception as exc:
                waited = time.monotonic() - began
                if database_failure(exc) is None or waited >= limit:
                    raise
                logger.warning(
                    "waiting for the database (%s): %s; next try in %.1fs (giving up after %gs)",
                    self.database.where,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    min(delay, limit - waited),
                    limit,
                )
                await asyncio.sleep(min(delay, limit - waited))
                delay = min(delay * 2, STARTUP_MAX_RETRY)

    async def bounded(self, work: Awaitable[T]) -> T:
        """A read of the checkpointer, bounded like the repository's own statements (a hung
        database fails it with DatabaseUnavailable within seconds)."""
        return await self.database.bounded(work)

    async def ping(self) -> None:
        """One trivial statement: raises unless the database answers."""
        await self.database.rows("SELECT 1")

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
        expires_at: str | None = None,
        created_at: str | None = None,
        cap: int | None = None,
    ) -> bool:
        """Insert the session, unless the database already holds `cap` sessions (False).
        The count and the insert are one statement; replicas creating at the same instant on
        PostgreSQL may pass the cap by the few they race with, never by more. `expires_at`:
        when its invitation lapses unless the interview starts."""
        stamp = created_at or now_iso()
        changed = await self._change(
            q.INSERT_SESSION,
            session_id,
            stamp,
            stamp,
            self._json(settings.model_dump(mode="json")),
            token_hash,
            settings.total_expected_questions,
            expires_at,
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
                started=bool(r[10]),
                expires_at=r[11],
                consent_at=r[12],
                accommodation=None if r[13] is None else dict(self.dialect.decode_json(r[13])),
                legal_hold=bool(r[14]),
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

    # --- metrics -------------------------------------------------------------------------

    async def metrics_counts(self) -> MetricsCounts:
        """Sessions by state, live leases by purpose, reports by status: grouped here."""

        async def grouped(template: str) -> dict[str, int]:
            return {str(key): int(count) for key, count in await self._rows(template)}

        return MetricsCounts(
            sessions=await grouped(q.SESSIONS_BY_STATE),
            leases=await grouped(q.LEASES_BY_PURPOSE),
            reports=await grouped(q.REPORTS_BY_STATUS),
            outbox=await self.outbox_depth(),
        )

    # --- candidate rights (the rules: api/rights/) ------------------------------------------

    async def set_expiry(self, session_id: str, expires_at: str) -> bool:
        return await self._change(q.SET_EXPIRY, expires_at, session_id) == 1

    async def set_consent(self, session_id: str, at: str, notice: str) -> bool:
        return await self._change(q.SET_CONSENT, at, notice, session_id) == 1

    async def set_accommodation(self, session_id: str, request: dict[str, Any]) -> bool:
        return await self._change(q.SET_ACCOMMODATION, self._json(request), session_id) == 1

    async def hold(self, session_id: str, by: str) -> None:
        await self._change(q.HOLD, session_id, now_iso(), by)

    async def unhold(self, session_id: str) -> None:
        await self._change(q.UNHOLD, session_id)

    async def held(self, session_id: str | None = None) -> dict[str, tuple[str, str]]:
        """Legal holds: session -> (held_at, held_by); all of them, or the one session's."""
        rows = await (self._rows(q.HELD_ONE, session_id) if session_id else self._rows(q.HELD))
        return {r[0]: (r[1], r[2]) for r in rows}

    async def saved_of(self, session_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """Every saved document of a session, oldest first: (saved_at, reason, document)."""
        rows = await self._rows(q.SAVED_OF, session_id)
        return [(r[0], r[1], dict(self.dialect.decode_json(r[2]))) for r in rows]

    async def turn_key_count(self, session_id: str) -> int:
        rows = await self._rows(
            "SELECT COUNT(*) FROM interviewer_turn_keys WHERE session_id = ?", session_id
        )
        return int(rows[0][0])

    async def erase(
        self,
        session_id: str,
        lease: Lease | None,
        tombstone: tuple[str, str, str, list[str]],
        extra: Sequence[tuple[str, tuple[Any, ...]]] = (),
    ) -> None:
        """Delete everything held about the session, in one transaction, and leave the
        tombstone `(erased_at, erased_by, reason, categories)`: the row (under `lease` when
        there is one), every checkpoint of every generation, keys, report, saved documents,
        and `extra` statements (templates and parameters) of other tables. Call `scrub`
        when the erasure's writes are done."""
        threads, params = self.dialect.threads_of_session(session_id)
        at, by, reason, categories = tombstone
        first = (
            self._step(q.DELETE_SESSION, session_id, lease.token)
            if lease is not None
            else self._step(q.DELETE_SESSION_ANYHOW, session_id)
        )
        steps = [
            first,
            self._step(q.DELETE_TURN_KEYS, session_id),
            self._step(q.DELETE_REPORT, session_id),
            self._step(q.DELETE_SAVED, session_id),
            # Their payloads quote the candidate (reports) and hold their requests.
            self._step(q.DELETE_DELIVERIES, session_id),
            *(
                self._step(q.delete_threads(table, threads), *params)
                for table in self.dialect.thread_tables
            ),
            *(self._step(sql, *values) for sql, values in extra),
            self._step(q.INSERT_ERASURE, session_id, at, by, reason, self._json(categories)),
        ]
        if lease is not None:
            await self._guarded(lease, steps)
        else:
            await self.database.run(steps)

    async def scrub(self) -> None:
        """After an erasure: no copy of the deleted rows left outside the tables (SQLite's
        write-ahead log); `Database.scrub`."""
        await self.database.scrub()

    async def erasure(self, session_id: str) -> dict[str, Any] | None:
        """The tombstone of an erased session."""
        rows = await self._rows(q.ERASURE, session_id)
        if not rows:
            return None
        sid, at, by, reason, categories = rows[0]
        return {
            "session_id": sid,
            "erased_at": at,
            "erased_by": by,
            "reason": reason,
            "categories": list(self.dialect.decode_json(categories)),
        }

    async def retained(self, cutoff: str, batch: int) -> list[str]:
        """Up to `batch` sessions past retention at `cutoff` (finished or never started,
        not on legal hold), then saved documents of deleted sessions past it."""
        found = [r[0] for r in await self._rows(q.RETAINED_SESSIONS, cutoff, batch)]
        if len(found) < batch:
            rows = await self._rows(q.RETAINED_DOCUMENTS, cutoff, batch - len(found))
            found += [r[0] for r in rows]
        return found

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

    async def release_duty(self, name: str, owner: str) -> None:
        """Give the duty up (a stopping replica), so another takes it at once."""
        await self._change(q.RELEASE_DUTY, name, owner)

    # --- the webhook outbox ---------------------------------------------------------------

    async def add_delivery(
        self, delivery_id: str, event: str, session_id: str | None, payload: dict[str, Any]
    ) -> None:
        """Store an event for delivery: due at once."""
        await self._change(
            q.INSERT_DELIVERY, delivery_id, event, session_id, self._json(payload), now_iso()
        )

    async def claim_delivery(self, delivery_id: str, hold: float) -> int | None:
        """Claim the delivery's next attempt if it is pending and due; its number (1, 2, ...),
        or None. Nobody else may attempt it for `hold` seconds."""
        outcomes = await self.database.run(
            [
                self._step(q.CLAIM_DELIVERY, hold, delivery_id),
                self._step(q.DELIVERY, delivery_id),
            ],
            guarded=True,
        )
        if outcomes is None or not outcomes[1].rows:
            return None
        return int(self._delivery(outcomes[1].rows[0]).attempts)

    async def record_delivery_attempt(
        self,
        delivery_id: str,
        attempt: int,
        state: DeliveryState,
        *,
        retry_in: float = 0.0,
        last_error: str | None = None,
        status_code: int | None = None,
        delivered_at: str | None = None,
    ) -> bool:
        """Record how attempt `attempt` went; False if that attempt no longer holds the claim."""
        changed = await self._change(
            q.RECORD_ATTEMPT,
            retry_in,
            state,
            last_error,
            status_code,
            delivered_at,
            delivery_id,
            attempt,
        )
        return changed == 1

    async def delivery(self, delivery_id: str) -> DeliveryRow | None:
        rows = await self._rows(q.DELIVERY, delivery_id)
        return self._delivery(rows[0]) if rows else None

    async def due_deliveries(self, limit: int) -> list[str]:
        """Pending deliveries whose next attempt is due, oldest first."""
        return [r[0] for r in await self._rows(q.DUE_DELIVERIES, limit)]

    async def deliveries_of(self, session_id: str) -> list[DeliveryRow]:
        """Every webhook event sent about the session, oldest first."""
        return [self._delivery(r) for r in await self._rows(q.DELIVERIES_OF, session_id)]

    async def outbox_depth(self) -> int:
        """Deliveries not yet delivered nor given up."""
        return int((await self._rows(q.OUTBOX_DEPTH))[0][0])

    def _delivery(self, values: Sequence[Any]) -> DeliveryRow:
        row = dict(zip(q.DELIVERY_COLUMNS, values, strict=True))
        row["payload"] = dict(self.dialect.decode_json(row["payload"]))
        return DeliveryRow(**row)

    # --- people ---------------------------------------------------------------------------

    async def add_person(self, name: str, role: str, key_hash: str, created_by: str) -> None:
        await self._change(q.INSERT_PERSON, name, role, key_hash, now_iso(), created_by)

    async def person_by_key(self, key_hash: str) -> PersonRow | None:
        """The person whose unrevoked key has this digest."""
        rows = await self._rows(q.PERSON_BY_KEY, key_hash)
        return PersonRow(*rows[0]) if rows else None

    async def active_person(self, name: str) -> PersonRow | None:
        rows = await self._rows(q.ACTIVE_PERSON, name)
        return PersonRow(*rows[0]) if rows else None

    async def people(self) -> list[PersonRow]:
        """Everyone ever given a key, revoked ones too, oldest first."""
        return [PersonRow(*r) for r in await self._rows(q.ALL_PEOPLE)]

    async def revoke_person(self, name: str) -> int:
        """Revoke the person's keys; how many were active."""
        return await self._change(q.REVOKE_PERSON, now_iso(), name)

    # --- people's reviews and decisions (api/review.py); switches -------------------------

    async def add_review(
        self, session_id: str, generation: int, kind: str, body: dict[str, Any]
    ) -> None:
        await self._change(
            q.INSERT_REVIEW, session_id, generation, kind, self._json(body), now_iso()
        )

    async def reviews(self, session_id: str, generation: int) -> list[tuple[str, dict[str, Any]]]:
        """(kind, body) of one interview's reviews and decisions, oldest first."""
        rows = await self._rows(q.REVIEWS, session_id, generation)
        return [(kind, dict(self.dialect.decode_json(body))) for kind, body in rows]

    async def set_switch(self, name: str, state: dict[str, Any]) -> None:
        await self._change(q.SET_SWITCH, name, self._json(state), now_iso())

    async def switch(self, name: str) -> dict[str, Any] | None:
        rows = await self._rows(q.SWITCH, name)
        return dict(self.dialect.decode_json(rows[0][0])) if rows else None
