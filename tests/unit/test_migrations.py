"""Versioned migrations, on both backends (SQLite file, real PostgreSQL).

Migration 1 is the schema release bad08b4 created (its DDL is kept in tests/fixtures/bad08b4);
processes starting together apply each migration exactly once; a failed migration leaves
nothing; a database newer than the code refuses to start.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from api.sessions import LeasePolicy, SchemaTooNew, SessionRepository, open_repository
from api.sessions.migrations import MIGRATIONS, Migration, check
from graph.state import InterviewSettings
from tests.support.postgres import fresh_database

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bad08b4"

PROBE = Migration(
    len(MIGRATIONS) + 1,
    "a probe that fails if it runs twice",
    (
        "CREATE TABLE interviewer_probe (runs INTEGER NOT NULL)",
        "INSERT INTO interviewer_probe (runs) VALUES (1)",
    ),
)

# A statement that takes a while, so processes starting together surely overlap while one
# migrates (without the start-up lock, another would read the old version meanwhile).
_SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500000)"
    " SELECT COUNT(*) FROM n",
    "postgres": "SELECT pg_sleep(0.3)",
}


def slow_probe(backend: str) -> Migration:
    return dataclasses.replace(PROBE, statements=(_SLOW[backend], *PROBE.statements))


@dataclass
class Target:
    """An empty database of one backend, and raw SQL on it (not through the repository)."""

    backend: str
    url: str | None
    path: Path

    def repository(self, migrations: tuple[Migration, ...] = MIGRATIONS) -> SessionRepository:
        repo = open_repository(self.url, str(self.path), LeasePolicy(), 5)
        repo.migrations = migrations
        return repo

    def settings(self, root: Path) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None,
            db_path=self.path,
            database_url=self.url,
            sessions_dir=root / "sessions",
            llm="offline",
        )

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url is None:
            with closing(sqlite3.connect(self.path)) as conn, conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def apply_release_ddl(self) -> None:
        """Our tables as release bad08b4 created them (before migrations existed)."""
        ddl = (FIXTURES / f"schema.{self.backend}.sql").read_text()
        if self.url is None:
            with closing(sqlite3.connect(self.path)) as conn:
                conn.executescript(ddl)
            return
        self.execute(ddl)  # several statements, no parameters: one simple query

    def schema(self) -> set[tuple[Any, ...]]:
        """Our tables' columns and indexes, as the database describes them."""
        if self.url is None:
            described: set[tuple[Any, ...]] = set()
            tables = self.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name LIKE 'interviewer_%' AND name != 'interviewer_schema_version'"
            )
            for (table,) in tables:
                for column in self.execute(f"PRAGMA table_info({table})"):
                    described.add((table, *column[1:]))
                for index in self.execute(f"PRAGMA index_list({table})"):
                    columns = tuple(c[2] for c in self.execute(f"PRAGMA index_info({index[1]})"))
                    described.add((table, index[1], index[2], columns))
            return described
        columns = self.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name LIKE 'interviewer_%' AND table_name != 'interviewer_schema_version'"
        )
        indexes = self.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " AND tablename LIKE 'interviewer_%' AND tablename != 'interviewer_schema_version'"
        )
        return set(columns) | set(indexes)

    def versions(self) -> list[tuple[int, str]]:
        return [
            (int(v), str(t))
            for v, t in self.execute(
                "SELECT version, title FROM interviewer_schema_version ORDER BY version"
            )
        ]


@contextmanager
def _target(backend: str, root: Path) -> Iterator[Target]:
    if backend == "sqlite":
        root.mkdir(parents=True, exist_ok=True)
        yield Target(backend, None, root / "db.sqlite")
        return
    with fresh_database() as url:
        yield Target(backend, url, root / "unused.sqlite")


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    with _target(request.param, tmp_path) as made:
        yield made


async def _setup(repo: SessionRepository) -> list[int]:
    try:
        await repo.setup()
        return repo.applied
    finally:
        await repo.close()


async def test_migration_1_creates_the_schema_of_release_bad08b4(
    target: Target, tmp_path: Path
) -> None:
    await _setup(target.repository(MIGRATIONS[:1]))  # later migrations change it on purpose
    migrated = target.schema()
    with _target(target.backend, tmp_path / "release") as release:
        release.apply_release_ddl()
        assert migrated == release.schema()
    assert migrated, "no tables were described"


async def test_a_new_database_gets_every_migration_once_and_a_restart_none(
    target: Target,
) -> None:
    assert await _setup(target.repository()) == [m.version for m in MIGRATIONS]
    assert await _setup(target.repository()) == []
    assert target.versions() == [(m.version, m.title) for m in MIGRATIONS]


async def test_a_database_of_release_bad08b4_is_recorded_at_version_1_and_keeps_its_rows(
    target: Target,
) -> None:
    target.apply_release_ddl()
    target.execute(
        "INSERT INTO interviewer_reports (session_id, report, updated_at)"
        " VALUES ('s', '{\"status\": \"ready\"}', 'then')"
    )
    assert await _setup(target.repository()) == [m.version for m in MIGRATIONS]
    assert target.versions()[0][0] == 1
    assert target.execute("SELECT session_id FROM interviewer_reports") == [("s",)]


async def test_processes_starting_together_apply_each_migration_exactly_once(
    target: Target,
) -> None:
    # The probe's CREATE TABLE has no IF NOT EXISTS and its INSERT counts: run twice, it
    # would fail or count 2. Four processes' worth of repositories, each its own connection.
    migrations = (*MIGRATIONS, slow_probe(target.backend))
    outcomes = await asyncio.gather(*(_setup(target.repository(migrations)) for _ in range(4)))
    assert sorted(v for applied in outcomes for v in applied) == [m.version for m in migrations], (
        "a migration was applied twice or not at all"
    )
    assert target.execute("SELECT runs FROM interviewer_probe") == [(1,)]
    assert [v for v, _ in target.versions()] == [m.version for m in migrations]


async def test_a_failed_migration_leaves_the_schema_and_the_version_as_they_were(
    target: Target,
) -> None:
    await _setup(target.repository())
    broken = Migration(
        len(MIGRATIONS) + 1,
        "fails halfway",
        ("CREATE TABLE interviewer_half (x INTEGER)", "INSERT INTO no_such_table VALUES (1)"),
    )
    with pytest.raises(Exception, match="no_such_table"):
        await _setup(target.repository((*MIGRATIONS, broken)))
    assert [v for v, _ in target.versions()] == [m.version for m in MIGRATIONS]
    tables = (
        "SELECT name FROM sqlite_master WHERE name = 'interviewer_half'"
        if target.url is None
        else "SELECT tablename FROM pg_tables WHERE tablename = 'interviewer_half'"
    )
    assert target.execute(tables) == []
    # Fixed, it applies at the next start.
    fixed = Migration(broken.version, "fixed", broken.statements[:1])
    assert await _setup(target.repository((*MIGRATIONS, fixed))) == [fixed.version]


async def test_a_database_newer_than_the_code_refuses_to_start_and_says_why(
    target: Target,
) -> None:
    await _setup(target.repository((*MIGRATIONS, PROBE)))
    with pytest.raises(SchemaTooNew) as refused:
        await _setup(target.repository())
    message = str(refused.value)
    assert f"schema version {PROBE.version}" in message
    assert f"versions up to {len(MIGRATIONS)}" in message
    assert "newer release" in message


def test_the_service_does_not_start_on_a_database_newer_than_the_code(
    target: Target, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    asyncio.run(_setup(target.repository((*MIGRATIONS, PROBE))))
    app = create_app(target.settings(tmp_path))
    with pytest.raises(SchemaTooNew), TestClient(app):
        pass
    assert any("newer release" in r.getMessage() for r in caplog.records if r.name == "api")


def test_migrations_are_numbered_one_two_three_in_order() -> None:
    check(MIGRATIONS)
    with pytest.raises(ValueError, match="1, 2, 3"):
        check([MIGRATIONS[0], Migration(3, "a gap", ())])
    with pytest.raises(ValueError, match="1, 2, 3"):
        check([MIGRATIONS[0], MIGRATIONS[0]])


def _guides_migration() -> Migration:
    """The example of docs/CHANGING.md, "Add a migration" (so the guide stays true)."""
    guide = (Path(__file__).parents[2] / "docs" / "CHANGING.md").read_text()
    section = guide.split("## Add a migration", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    # The guide shows an element of the list (a trailing comma): its own literal, nothing else.
    migration = eval(code.strip().rstrip(","), {"Migration": Migration})
    assert isinstance(migration, Migration)
    return migration


async def test_adding_the_guides_migration(target: Target) -> None:
    # The guide's number shows "one past the last" at the time it was written; the list has
    # grown since (each branch appends), so the example is numbered as it would be today.
    migration = dataclasses.replace(_guides_migration(), version=len(MIGRATIONS) + 1)
    await _setup(target.repository())
    repo = target.repository()
    await repo.setup()
    try:
        sid = "0f8fad5b-d9cb-469f-a165-70867728950e"
        await repo.create(sid, InterviewSettings(candidate_name="Ana"), None)
    finally:
        await repo.close()

    repo = target.repository((*MIGRATIONS, migration))
    await repo.setup()
    try:
        assert repo.applied == [migration.version]
        row = await repo.get(sid)
        assert row is not None and row.settings.candidate_name == "Ana"
    finally:
        await repo.close()
    assert target.versions()[-1] == (migration.version, migration.title)
    target.execute(
        "INSERT INTO interviewer_audit (session_id, at, actor, action, detail)"
        f" VALUES ('{sid}', 'now', 'admin', 'reset', '{{}}')"
    )
    assert target.execute("SELECT actor FROM interviewer_audit") == [("admin",)]
