"""Export and erasure (issue 20 item 4): the export holds every data category, and an erased
session's words are nowhere: not in the SQLite file's bytes (write-ahead log included), not in
any PostgreSQL table, not under the sessions folder. Retention erases the same way, by itself,
and spares a session on legal hold (item 5)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from api.rights.data import CATEGORIES, ERASED
from tests.support.postgres import fresh_database
from tests.support.server import Api, ThreadedServer, is_final, max_chats, wait_until

SETTINGS = {"candidate_name": "Ana", "behavioral_questions": 1, "technical_questions": 1}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def _phrase() -> str:
    # Letters only, so no tokenizer, JSON or SQL escaping could split or disguise it.
    return "zephyr" + "".join(secrets.choice("qwxzjkv") for _ in range(12)) + "marmalade"


def _answer(phrase: str) -> str:
    return (
        f"In my last role I kept a service called {phrase} fast: I profiled the slow queries, "
        "added composite indexes on the join keys and cached the hot reads with invalidation."
    )


def _whole_interview(api: Api, sid: str, phrase: str) -> None:
    """Answers carrying the phrase, with Idempotency-Keys (stored replies), to the closing;
    then its report and a saved document (database and file)."""
    text = api.start_text(sid).text
    for turn in range(max_chats(2)):
        if is_final(text):
            break
        reply = api.chat_text(sid, _answer(phrase), key=f"turn-{turn}")
        assert reply.status_code == 200, reply.body
        text = reply.text
    assert is_final(text), "the interview did not finish"
    assert api.wait_report(sid)["status"] == "ready"
    assert api.http.post(f"/save-session/{sid}").status_code == 200
    wait_until(lambda: api.http.get(f"/saved-sessions/{sid}").status_code == 200)


def _export_and_erase(api: Api, sid: str, phrase: str) -> dict[str, object]:
    exported = api.http.get(f"/candidate-data/{sid}")
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert set(body["data"]) == set(body["categories"]) == {c.name for c in CATEGORIES}
    data = body["data"]
    for held in ("transcript", "saved_documents"):
        assert phrase in str(data[held]), held
    assert data["settings"]["candidate_name"] == "Ana"
    assert data["report"]["status"] == "ready"
    assert data["idempotent_replies"]["stored_replies"] >= 1
    assert data["checkpoints"]["head"]
    assert "session.created" in [e["action"] for e in data["audit_entries"]]

    erased = api.http.post(f"/erase/{sid}")
    assert erased.status_code == 200, erased.text
    tombstone = erased.json()
    assert tombstone["categories"] == list(ERASED) and tombstone["reason"] == "request"
    assert phrase not in str(tombstone)
    # What is left says only that it was erased.
    assert api.http.get(f"/interview-status/{sid}").status_code == 404
    assert api.http.get(f"/saved-sessions/{sid}").status_code == 404
    assert api.http.get(f"/candidate-data/{sid}").status_code == 404
    assert api.http.post(f"/erase/{sid}").json() == tombstone
    # The audit log keeps who erased what, and when; never the words.
    entries = api.http.get("/audit", params={"session_id": sid}).json()["entries"]
    erased_entry = [e for e in entries if e["action"] == "session.erased"]
    assert erased_entry and erased_entry[0]["details"]["categories"] == list(ERASED)
    assert phrase not in str(entries)
    return tombstone


def _nowhere_under(folder: Path, phrase: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert phrase.encode() not in path.read_bytes(), path


def test_an_erased_sessions_words_are_nowhere_in_the_sqlite_file_or_the_sessions_folder(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server()
    phrase = _phrase()
    db = server.settings.db_path
    with Api(server.base_url) as api:
        other = api.create(**SETTINGS)
        api.start_text(other)  # another session's data stays
        sid = api.create(**SETTINGS)
        _whole_interview(api, sid, phrase)
        files = list(server.sessions_dir.glob(f"interview_{sid}_*.json"))
        assert files and phrase.encode() in files[0].read_bytes()
        assert phrase.encode() in db.read_bytes() + Path(f"{db}-wal").read_bytes()

        _export_and_erase(api, sid, phrase)

        for part in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            if part.exists():
                assert phrase.encode() not in part.read_bytes(), part
        assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
        _nowhere_under(server.sessions_dir, phrase)
        assert not list(server.sessions_dir.glob(f"interview_{sid}_*"))
        assert api.status(other)["stage"] != "created"


def _postgres_text(url: str) -> str:
    """Every row of every table of the database, as text."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        ]
        parts = []
        for table in tables:
            for (row,) in conn.execute(f'SELECT t::text FROM "{table}" t').fetchall():
                parts.append(row)
        return "\n".join(parts)


def test_an_erased_sessions_words_are_in_no_postgresql_table(
    make_server: Callable[..., ThreadedServer], postgres_url: str
) -> None:
    server = make_server(database_url=postgres_url)
    phrase = _phrase()
    with Api(server.base_url) as api:
        sid = api.create(**SETTINGS)
        _whole_interview(api, sid, phrase)
        assert phrase in _postgres_text(postgres_url)
        # On PostgreSQL, saved documents are kept in the database only (no replica's disk).
        assert not server.sessions_dir.exists() or not any(server.sessions_dir.iterdir())

        _export_and_erase(api, sid, phrase)

        assert phrase not in _postgres_text(postgres_url)
        assert sid in _postgres_text(postgres_url)  # the tombstone


def test_on_postgresql_saved_documents_are_files_too_only_with_an_archive_dir(
    make_server: Callable[..., ThreadedServer], postgres_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    server = make_server(database_url=postgres_url, archive_dir=archive)
    with Api(server.base_url) as api:
        sid = api.create(**SETTINGS)
        api.start_text(sid)
        assert api.http.delete(f"/session/{sid}").status_code == 200
        assert list(archive.glob(f"interview_{sid}_*.json"))
        # A deleted session's saved documents are still the candidate's data: erased too.
        assert api.http.post(f"/erase/{sid}").status_code == 200
        assert not list(archive.glob(f"interview_{sid}_*"))


def test_a_session_on_legal_hold_cannot_be_erased_until_the_hold_is_lifted(api: Api) -> None:
    sid = api.create(**SETTINGS)
    held = api.http.post(f"/legal-hold/{sid}", json=True)
    assert held.status_code == 200 and held.json()["legal_hold"] is True
    assert api.sessions()[sid]["legal_hold"] is True
    refused = api.http.post(f"/erase/{sid}")
    assert refused.status_code == 409 and "legal hold" in refused.json()["detail"]
    lifted = api.http.post(f"/legal-hold/{sid}", json={"hold": False})
    assert lifted.json()["legal_hold"] is False
    assert api.http.post(f"/erase/{sid}").status_code == 200


def test_export_and_erasure_of_an_unknown_session_are_404(api: Api) -> None:
    unknown = str(uuid.uuid4())
    assert api.http.get(f"/candidate-data/{unknown}").status_code == 404
    assert api.http.post(f"/erase/{unknown}").status_code == 404
    assert api.http.post(f"/legal-hold/{unknown}", json=True).status_code == 404


# --- retention ---------------------------------------------------------------------------------


def _retention(make_server: Callable[..., ThreadedServer], **overrides: object) -> ThreadedServer:
    # A second of retention, looked at five times a second.
    return make_server(retention_days=1.0 / 86400, retention_interval_seconds=0.2, **overrides)


def _purged_but_held(server: ThreadedServer) -> None:
    with Api(server.base_url) as api:
        finished = api.create(**SETTINGS)
        api.start_text(finished)
        api.http.post(f"/end-interview/{finished}")
        deleted = api.create(**SETTINGS)
        api.start_text(deleted)
        assert api.http.delete(f"/session/{deleted}").status_code == 200
        held = api.create(**SETTINGS)
        assert api.http.post(f"/legal-hold/{held}", json=True).status_code == 200
        api.start_text(held)
        api.http.post(f"/end-interview/{held}")

        def purged() -> bool:
            return all(
                api.http.get(f"/candidate-data/{sid}").status_code == 404
                for sid in (finished, deleted)
            )

        wait_until(purged, timeout=20, what="the retention purge")
        tombstone = api.http.post(f"/erase/{finished}").json()
        assert tombstone["reason"] == "retention"
        assert tombstone["erased_by"] == "system:retention"
        purges = api.http.get("/audit", params={"session_id": finished}).json()["entries"]
        assert [e["actor"] for e in purges if e["action"] == "session.purged"] == [
            "system:retention"
        ]
        assert api.http.get(f"/candidate-data/{held}").status_code == 200
        assert held in api.sessions()


def test_retention_purges_finished_and_deleted_sessions_but_not_one_on_legal_hold_sqlite(
    make_server: Callable[..., ThreadedServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="api.rights.retention")
    _purged_but_held(_retention(make_server))
    assert any("retention purged session" in r.getMessage() for r in caplog.records)


def test_retention_purges_finished_and_deleted_sessions_but_not_one_on_legal_hold_postgres(
    make_server: Callable[..., ThreadedServer], postgres_url: str
) -> None:
    _purged_but_held(_retention(make_server, database_url=postgres_url))
