"""/metrics (Prometheus, summed over worker processes), JSON logs and the request id."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.server import Api, SubprocessServer, ThreadedServer, wait_until

_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def scrape(base_url: str, headers: dict[str, str] | None = None) -> dict[str, float]:
    """The samples of one /metrics answer: `name{labels}` -> value (on a new connection, so
    that with several workers any of them may answer)."""
    response = httpx.get(f"{base_url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for line in response.text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
            samples[key] = float(match["value"])
    return samples


COMPLETED = 'interviewer_turns_total{outcome="completed"}'
TTFT_COUNT = "interviewer_time_to_first_token_seconds_count"
DURATION_COUNT = 'interviewer_turn_duration_seconds_count{outcome="completed"}'


def test_metrics_move_with_a_turn(api: Api, shared_server: ThreadedServer) -> None:
    before = scrape(shared_server.base_url)
    sid = api.create(candidate_name="Ana")
    assert api.start_text(sid).status_code == 200
    assert api.chat_text(sid, "I build backend services.", key="k1").status_code == 200
    assert api.chat_text(sid, "I build backend services.", key="k1").status_code == 200  # replay
    after = scrape(shared_server.base_url)

    def moved(name: str) -> float:
        return after.get(name, 0) - before.get(name, 0)

    assert moved(COMPLETED) == 2
    assert moved('interviewer_turns_total{outcome="replayed"}') == 1
    assert moved(TTFT_COUNT) == 2
    assert moved(DURATION_COUNT) == 2
    assert after['interviewer_sessions{state="active"}'] >= 1
    for name in (
        'interviewer_leases_held{purpose="turn"}',
        'interviewer_evaluations{status="pending"}',
        "interviewer_webhook_outbox_depth",
    ):
        assert name in after, name


def test_failed_turns_are_counted_by_code_and_llm_errors_by_kind(
    make_server: Callable[..., ThreadedServer],
) -> None:
    # A turn deadline no reply can meet: the turn fails as llm_timeout, the LLM's kind deadline.
    server = make_server(turn_deadline_seconds=0.05, offline_token_delay=0.05)
    before = scrape(server.base_url)
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana")
        # A 503 before the first token, or an SSE error event after it: either way it failed.
        failed_turn = api.start_sse(sid)
        assert failed_turn.status_code == 503 or failed_turn.of("error")
    after = scrape(server.base_url)
    failed = 'interviewer_turns_total{outcome="llm_timeout"}'
    assert after.get(failed, 0) - before.get(failed, 0) == 1
    deadline = 'interviewer_llm_errors_total{kind="deadline"}'
    assert after.get(deadline, 0) - before.get(deadline, 0) == 1


def test_metrics_need_the_admin_token_when_access_control_is_on(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token="admin-secret")
    assert httpx.get(f"{server.base_url}/metrics").status_code == 401
    assert "interviewer_sessions" in str(
        scrape(server.base_url, headers={"Authorization": "Bearer admin-secret"})
    )


def test_metrics_sum_every_worker_process(
    make_process: Callable[..., SubprocessServer], tmp_path: Any
) -> None:
    folder = tmp_path / "metrics"
    server = make_process(INTERVIEWER_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(folder))
    turns = 6
    for _ in range(turns // 2):
        # New connections each time, so that both workers take some of the turns.
        with Api(server.base_url) as api:
            sid = api.create(candidate_name="Ana")
            assert api.start_text(sid).status_code == 200
        with Api(server.base_url) as api:
            assert api.chat_text(sid, "I build backend services.").status_code == 200
    # Whichever worker answers the scrape, it counts every worker's turns.
    for _ in range(4):
        samples = scrape(server.base_url)
        assert samples[COMPLETED] == turns, samples.get(COMPLETED)
        assert samples[TTFT_COUNT] == turns
        assert samples['interviewer_sessions{state="active"}'] == turns // 2
    # The counts come from the workers' files in the shared folder (multiprocess mode), not
    # from the memory of whichever worker answered.
    assert list(folder.glob("counter_*.db")), "no worker kept its counts in the shared folder"


def _json_lines(server: SubprocessServer) -> list[dict[str, Any]]:
    lines = []
    for line in server.log().splitlines():
        if line.strip():
            lines.append(json.loads(line))  # every line is JSON
    return lines


def test_json_logs_have_a_line_per_request_and_per_turn_tied_by_the_request_id(
    make_process: Callable[..., SubprocessServer],
) -> None:
    server = make_process(INTERVIEWER_LOG_FORMAT="json")
    with Api(server.base_url) as api:
        sid = api.create(candidate_name="Ana")
        api.start_text(sid)
        body = {"session_id": sid, "message": "I build backend services.", "type": "user"}
        with api.http.stream(
            "POST", f"/chat/{sid}", json=body, headers={"X-Request-ID": "trace-42"}
        ) as reply:
            assert reply.status_code == 200
            assert reply.headers["x-request-id"] == "trace-42"
            reply.read()

    def logged() -> list[dict[str, Any]] | None:
        lines = _json_lines(server)
        mine = [line for line in lines if line.get("request_id") == "trace-42"]
        return lines if {line.get("event") for line in mine} >= {"request", "turn"} else None

    lines = wait_until(logged, timeout=10, what="the request's and the turn's lines")
    request = next(
        x for x in lines if x.get("request_id") == "trace-42" and x["event"] == "request"
    )
    assert request["route"] == "/chat/{session_id}"
    assert request["session_id"] == sid and request["status"] == 200
    assert request["method"] == "POST" and request["duration_ms"] > 0
    turn = next(x for x in lines if x.get("request_id") == "trace-42" and x["event"] == "turn")
    assert turn["session_id"] == sid and turn["outcome"] == "completed"
    assert turn["ttft_ms"] is not None and turn["duration_ms"] >= turn["ttft_ms"]
    created = [x for x in lines if x.get("event") == "request" and x["route"] == "/create-session"]
    assert (
        created
        and created[0]["status"] == 200
        and re.fullmatch(r"[0-9a-f]{32}", created[0]["request_id"])
    )
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)


def test_every_answer_carries_a_request_id_and_an_insane_incoming_one_is_replaced(
    api: Api,
) -> None:
    missing = api.http.get("/interview-status/not-a-session")
    assert missing.status_code == 404 and re.fullmatch(
        r"[0-9a-f]{32}", missing.headers["x-request-id"]
    )
    kept = api.http.get("/healthz", headers={"X-Request-ID": "lb-7f3a:01"})
    assert kept.headers["x-request-id"] == "lb-7f3a:01"
    replaced = api.http.get("/healthz", headers={"X-Request-ID": 'a b"<script>'})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    too_long = api.http.get("/healthz", headers={"X-Request-ID": "x" * 129})
    assert too_long.headers["x-request-id"] != "x" * 129
