"""Upgrading a live database of the previous release in place, on SQLite and PostgreSQL.

The database is release bad08b4's: its DDL (tests/fixtures/bad08b4/schema.*.sql), LangGraph's
tables from the saver's own setup (the same library in both releases), and the rows that release
wrote while it served three sessions (interview.*.json, made by make_fixtures.py running that
release's server over HTTP: its real checkpoints, not ones this code made). The new code starts
on it, migrates it, and serves those sessions as the old one did: the interview in progress goes
on to its end, the finished one keeps its report and saved document, keyed turns replay.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from api.sessions.migrations import MIGRATIONS
from devkit.candidate import reply_to
from tests.support.postgres import fresh_database
from tests.support.server import Api, ThreadedServer, is_final, max_chats, wait_until

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bad08b4"
FIFTY_YEARS_IN_MINUTES = 50 * 365 * 24 * 60.0


@dataclass
class OldDatabase:
    backend: str
    fixture: dict[str, Any]
    overrides: dict[str, Any]
    """The settings that point a server at it."""
    query: Callable[[str], list[tuple[Any, ...]]]

    @property
    def expected(self) -> dict[str, Any]:
        expected: dict[str, Any] = self.fixture["expected"]
        return expected


def _cell(value: Any) -> Any:
    return base64.b64decode(value["base64"]) if isinstance(value, dict) else value


def _load_sqlite(path: Path, tables: dict[str, Any]) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript((FIXTURES / "schema.sqlite.sql").read_text())
        SqliteSaver(conn).setup()
        for table, content in tables.items():
            columns = content["columns"]
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})"
            )
            conn.executemany(sql, [[_cell(v) for v in row] for row in content["rows"]])
        conn.commit()


def _load_postgres(url: str, tables: dict[str, Any]) -> None:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver

    with PostgresSaver.from_conn_string(url) as saver:
        saver.setup()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((FIXTURES / "schema.postgres.sql").read_text())
        for table, content in tables.items():
            for record in content["records"]:
                conn.execute(
                    f"INSERT INTO {table} SELECT * FROM json_populate_record(NULL::{table}, %s)",
                    (json.dumps(record),),
                )
        # As the old release left it: the saved documents' sequence past the rows it wrote.
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('interviewer_saved_sessions', 'id'),"
            " (SELECT MAX(id) FROM interviewer_saved_sessions))"
        )


def _query_sqlite(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(path)) as conn:
            return conn.execute(sql).fetchall()

    return query


def _query_postgres(url: str) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()

    return query


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OldDatabase]:
    backend = request.param
    fixture = json.loads((FIXTURES / f"interview.{backend}.json").read_text())
    if backend == "sqlite":
        path = tmp_path / "old.sqlite"
        _load_sqlite(path, fixture["tables"])
        yield OldDatabase(backend, fixture, {"db_path": path}, _query_sqlite(path))
        return
    with fresh_database() as url:
        _load_postgres(url, fixture["tables"])
        yield OldDatabase(backend, fixture, {"database_url": url}, _query_postgres(url))


@pytest.fixture
def upgraded(
    old_database: OldDatabase, make_server: Callable[..., ThreadedServer]
) -> Iterator[tuple[OldDatabase, Api]]:
    """The new code started on the old database (which is what upgrades it)."""
    assert old_database.query("SELECT COUNT(*) FROM interviewer_sessions") == [(3,)]
    server = make_server(
        **old_database.overrides,
        # The fixture's sessions were last used when it was made: not idle for this test.
        session_timeout_minutes=FIFTY_YEARS_IN_MINUTES,
    )
    with Api(server.base_url) as api:
        yield old_database, api
    server.stop()  # before a PostgreSQL database is dropped


def _answered_as_before(now: dict[str, Any], before: dict[str, Any]) -> None:
    """Everything the old release answered is answered the same (new fields may be added)."""
    assert {key: now.get(key) for key in before} == before


def test_the_upgrade_records_every_migration_and_serves_the_old_sessions_as_before(
    upgraded: tuple[OldDatabase, Api],
) -> None:
    old, api = upgraded
    versions = old.query("SELECT version FROM interviewer_schema_version ORDER BY version")
    assert [v for (v,) in versions] == [m.version for m in MIGRATIONS]
    sessions = api.sessions()
    for session_id, summary in old.expected["sessions"].items():
        _answered_as_before(sessions[session_id], summary)
    for name in ("mid", "done", "created"):
        session = old.expected[name]
        _answered_as_before(api.status(session["session_id"]), session["status"])
    for name in ("mid", "done"):
        session = old.expected[name]
        _answered_as_before(api.conversation(session["session_id"]), session["history"])


def test_an_interview_started_before_the_upgrade_goes_on_to_its_end(
    upgraded: tuple[OldDatabase, Api],
) -> None:
    old, api = upgraded
    mid = old.expected["mid"]
    sid = mid["session_id"]
    before = mid["history"]["history"]
    # A turn committed by the old release replays under its key: same reply, nothing re-run.
    for key, reply in mid["keyed_replies"].items():
        message = mid["answers"][int(key.split("-")[1]) - 1] if key.startswith("answer") else None
        replayed = api.chat_text(sid, message, key=key) if message else api.start_text(sid, key=key)
        assert (replayed.status_code, replayed.text) == (200, reply), key
    assert api.history(sid) == before

    text = before[-1]["content"]
    for turn in range(1, max_chats(mid["status"]["total_expected_questions"])):
        if is_final(text):
            break
        reply = api.chat_text(sid, reply_to(text, turn, name="Ana"))
        assert reply.status_code == 200, reply.body
        text = reply.text
    assert is_final(text), "the interview did not reach its end"
    history = api.history(sid)
    assert history[: len(before)] == before, "the transcript before the upgrade changed"
    assert len(history) > len(before)
    status = api.status(sid)
    assert (status["active"], status["stage"]) == (False, "done")
    assert status["questions_asked"] == status["total_expected_questions"]

    def ready() -> dict[str, Any] | None:
        response = api.http.get(f"/report/{sid}")
        return response.json() if response.status_code == 200 else None

    report = wait_until(ready, timeout=60, what="the report of the upgraded interview")
    assert report["status"] == "ready"


def test_the_finished_session_keeps_its_report_and_saved_document_and_a_new_one_starts(
    upgraded: tuple[OldDatabase, Api],
) -> None:
    old, api = upgraded
    done = old.expected["done"]
    report = api.http.get(f"/report/{done['session_id']}")
    assert report.status_code == 200
    assert report.json() == done["report"]
    saved = api.http.get(f"/saved-sessions/{done['session_id']}")
    assert saved.status_code == 200 and saved.json() == done["saved"]
    # A new saved document goes after the old release's (its id sequence moved on).
    assert api.http.post(f"/save-session/{done['session_id']}").status_code == 200
    wait_until(
        lambda: len(api.http.get("/saved-sessions").json()) == 2, what="the second saved document"
    )

    created = old.expected["created"]["session_id"]
    greeting = api.start_text(created)
    assert greeting.status_code == 200 and "Noor" in greeting.text
    assert api.status(created)["active"] is True
