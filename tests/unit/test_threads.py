"""Thread ids of sessions: built and read in one module (api/sessions/threads.py)."""

from __future__ import annotations

import uuid

from api.sessions.threads import (
    session_seed,
    thread_config,
    thread_id,
    thread_prefix_pattern,
    thread_range,
)


def test_a_sessions_threads_are_its_id_and_generation_and_its_range_holds_them_all() -> None:
    sid = str(uuid.uuid4())
    low, high = thread_range(sid)
    threads = [thread_id(sid, generation) for generation in (0, 1, 9, 10, 12345)]
    assert threads[0] == f"{sid}:0"
    assert all(low <= t < high for t in threads)
    assert all(t.startswith(thread_prefix_pattern(sid).rstrip("%")) for t in threads)
    neighbours = [f"{sid[:-1]}{c}:0" for c in "0123456789abcdef" if c != sid[-1]]
    assert not any(low <= t < high for t in neighbours)


def test_a_thread_config_names_the_thread_and_the_checkpoint_if_any() -> None:
    sid = str(uuid.uuid4())
    assert thread_config(sid, 2) == {"configurable": {"thread_id": f"{sid}:2"}}
    assert thread_config(sid, 2, "c1") == {
        "configurable": {"thread_id": f"{sid}:2", "checkpoint_id": "c1"}
    }


def test_a_sessions_seed_is_fixed_by_its_id_alone() -> None:
    sid = str(uuid.uuid4())
    assert session_seed(sid) == session_seed(sid)
    assert 0 <= session_seed(sid) < 2**32
    # The value the graph derived from the thread id before the seed became its input, so
    # interviews restarted after an upgrade replay as before.
    assert session_seed("0f8fad5b-d9cb-469f-a165-70867728950e") == 3356680685
