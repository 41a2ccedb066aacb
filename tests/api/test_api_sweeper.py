"""Idle sessions are saved to a file and removed by the background sweeper."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.support.server import Api, ThreadedServer, wait_until


def test_idle_session_is_saved_to_a_file_and_removed_by_the_sweeper(
    make_server: Callable[..., ThreadedServer],
) -> None:
    # The idle rule applies once the interview has started (before, the invitation's own
    # lifetime does: tests/api/test_api_rights.py).
    server = make_server(session_timeout_minutes=0.001, sweep_interval_seconds=0.2)
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Idle Ian", behavioral_questions=1, technical_questions=1)
        assert api.start_text(sid).status_code == 200

        wait_until(lambda: sid not in api.sessions(), timeout=10, what="the sweep")
        files = sorted(server.sessions_dir.glob(f"*{sid}*.json"))
        assert len(files) == 1, files
        document = json.loads(files[0].read_text(encoding="utf-8"))
        assert document["session_id"] == sid
        assert document["settings"]["candidate_name"] == "Idle Ian"
        assert document["total_expected_questions"] == 2
        assert [m["role"] for m in document["history"]] == ["assistant"]
        assert api.http.get(f"/interview-status/{sid}").status_code == 404
