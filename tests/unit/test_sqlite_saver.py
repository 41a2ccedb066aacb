"""`ThreadedSqliteSaver`: LangGraph's SqliteSaver on the connection's thread.

It must answer as SqliteSaver does. Its one shortcut: the thread's latest checkpoint, read right
after the same checkpoint was read by its id (LangGraph's "superseded" check at the start of
every turn), is not decoded a second time. That must never hand back anything stale.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint

from api.sessions.sqlite_thread import SqliteThread, ThreadedSqliteSaver


@pytest.fixture
async def saver(tmp_path: Path) -> AsyncIterator[ThreadedSqliteSaver]:
    thread = SqliteThread()
    await thread.open(tmp_path / "s.sqlite")
    threaded = ThreadedSqliteSaver(thread)
    await threaded.asetup()
    yield threaded
    await thread.close()


def _config(thread: str, checkpoint_id: str | None = None) -> RunnableConfig:
    configurable = {"thread_id": thread, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


async def _put(saver: ThreadedSqliteSaver, thread: str, step: int) -> str:
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"step": step}
    await saver.aput(_config(thread), checkpoint, {"step": step}, {})
    return str(checkpoint["id"])


async def test_the_latest_after_the_same_checkpoint_by_id_is_the_read_already_made(
    saver: ThreadedSqliteSaver,
) -> None:
    await _put(saver, "t", 1)
    head = await _put(saver, "t", 2)
    addressed = await saver.aget_tuple(_config("t", head))
    latest = await saver.aget_tuple(_config("t"))
    assert addressed is not None and latest is addressed
    # Only once: the next read of the latest decodes again, and gives the same answer.
    again = await saver.aget_tuple(_config("t"))
    assert again is not latest and again is not None
    assert again.checkpoint["id"] == head and again.checkpoint["channel_values"] == {"step": 2}


async def test_the_shortcut_never_hides_a_newer_checkpoint_or_a_write(
    saver: ThreadedSqliteSaver,
) -> None:
    old = await _put(saver, "t", 1)
    newer = await _put(saver, "t", 2)
    await saver.aget_tuple(_config("t", old))
    latest = await saver.aget_tuple(_config("t"))
    assert latest is not None and latest.checkpoint["id"] == newer  # superseded: said so

    await saver.aget_tuple(_config("t", newer))
    newest = await _put(saver, "t", 3)
    latest = await saver.aget_tuple(_config("t"))
    assert latest is not None and latest.checkpoint["id"] == newest

    await saver.aget_tuple(_config("t", newest))
    await saver.aput_writes(_config("t", newest), [("step", 4)], "task-1")
    latest = await saver.aget_tuple(_config("t"))
    assert latest is not None and [w[1:] for w in latest.pending_writes or []] == [("step", 4)]

    await saver.aget_tuple(_config("t", newest))
    await saver.adelete_thread("t")
    assert await saver.aget_tuple(_config("t")) is None


async def test_threads_do_not_share_the_shortcut(saver: ThreadedSqliteSaver) -> None:
    a = await _put(saver, "a", 1)
    b = await _put(saver, "b", 1)
    await saver.aget_tuple(_config("a", a))
    latest_b = await saver.aget_tuple(_config("b"))
    assert latest_b is not None and latest_b.checkpoint["id"] == b


def test_processes_opening_a_new_database_file_together_all_get_wal(tmp_path: Path) -> None:
    # Two worker processes starting on a new file failed with "database is locked": switching
    # to WAL needs the file to itself and does not wait for the busy timeout.
    path = tmp_path / "new.sqlite"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from api.sessions.sqlite_thread import connect\n"
        "start = float(sys.argv[2])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "conn = connect(Path(sys.argv[1]))\n"
        "conn.executescript('CREATE TABLE IF NOT EXISTS t (x); INSERT INTO t VALUES (1);')\n"
        "conn.commit()\n"
        "print(conn.execute('PRAGMA journal_mode').fetchone()[0])\n"
    )
    start = str(time.time() + 1.5)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        for _ in range(8)
    ]
    results = [p.communicate(timeout=60) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
        assert out.decode().strip() == "wal"
