"""Named people and roles: every endpoint walked with every kind of caller, from the one
permission table (api/permissions.py), on SQLite and PostgreSQL; revoked keys refused at once
on every replica; people's actions audited under their names."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import permissions
from api.cli import run
from api.config import Settings
from tests.support.postgres import fresh_database
from tests.support.server import ThreadedServer

ADMIN = "bootstrap-admin-token"

BODIES: dict[str, Callable[[str], Any]] = {
    "create_session": lambda sid: {},
    "chat": lambda sid: {"session_id": sid, "message": "Hello"},
}
"""The body each endpoint needs (the others take none)."""

CALLERS = (
    "admin key",
    "bootstrap token",
    "recruiter",
    "reviewer",
    "candidate of the session",
    "candidate of another session",
    "revoked key",
    "no key",
)


@dataclass
class Deployment:
    """One or two servers on one database, and the settings to run commands against it."""

    servers: list[ThreadedServer]
    settings: Settings

    def command(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
        status = run(list(argv), self.settings)
        out = capsys.readouterr()
        return status, out.out + out.err

    def add(self, capsys: pytest.CaptureFixture[str], name: str, role: str) -> str:
        status, said = self.command(capsys, "users", "add", "--name", name, "--role", role)
        assert status == 0, said
        key = said.strip().splitlines()[-1]
        assert key.startswith("ik.")
        return key


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(
    request: pytest.FixtureRequest,
    make_server: Callable[..., ThreadedServer],
    tmp_path: Path,
) -> Iterator[Deployment]:
    db = {"db_path": tmp_path / "shared.sqlite"}
    if request.param == "postgres":
        with fresh_database() as url:
            yield _deploy(make_server, {**db, "database_url": url})
        return
    yield _deploy(make_server, db)


def _deploy(make_server: Callable[..., ThreadedServer], db: dict[str, Any]) -> Deployment:
    servers = [make_server(admin_token=ADMIN, **db) for _ in range(2)]
    return Deployment(servers, servers[0].settings)


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _create(client: httpx.Client) -> tuple[str, str]:
    body = client.post("/create-session", json={}, headers=_bearer(ADMIN)).json()
    return body["session_id"], body["candidate_token"]


def _expected(rule: permissions.Rule, caller: str) -> str:
    """allowed, 401, 403 or 404."""
    if rule.public:
        return "allowed"
    if caller in ("revoked key", "no key"):
        return "401"
    role = {
        "admin key": "admin",
        "bootstrap token": "admin",
        "recruiter": "recruiter",
        "reviewer": "reviewer",
        "candidate of the session": "candidate",
        "candidate of another session": "candidate",
    }[caller]
    if role not in rule.roles:
        return "403"
    return "404" if caller == "candidate of another session" else "allowed"


def test_every_endpoint_answers_every_caller_as_the_permission_table_says(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    server = deployment.servers[0]
    revoked = deployment.add(capsys, "Rex Gone", "reviewer")
    assert deployment.command(capsys, "users", "revoke", "Rex Gone")[0] == 0
    keys = {
        "admin key": deployment.add(capsys, "Ada Admin", "admin"),
        "bootstrap token": ADMIN,
        "recruiter": deployment.add(capsys, "Rita Recruiter", "recruiter"),
        "reviewer": deployment.add(capsys, "Ana Ruiz", "reviewer"),
        "revoked key": revoked,
        "no key": None,
    }
    routes = permissions.guarded_routes(server.app)
    assert {route.name for route in routes} == set(permissions.PERMISSIONS)
    wrong = []
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        _, other_token = _create(client)
        for route in routes:
            rule = permissions.PERMISSIONS[route.name]
            for method in route.methods or ():
                for caller in CALLERS:
                    sid, own_token = _create(client)
                    token = {
                        "candidate of the session": own_token,
                        "candidate of another session": other_token,
                    }.get(caller, keys.get(caller))
                    body = BODIES.get(route.name)
                    response = client.request(
                        method,
                        route.path.replace("{session_id}", sid),
                        headers=_bearer(token),
                        json=body(sid) if body else None,
                    )
                    status = response.status_code
                    got = str(status) if status in (401, 403, 404) else "allowed"
                    expected = _expected(rule, caller)
                    refused = status in (401, 403)
                    if (expected == "allowed" and refused) or (
                        expected != "allowed" and got != expected
                    ):
                        wrong.append((method, route.path, caller, status, response.text[:80]))
    assert wrong == []


def test_a_revoked_key_is_refused_at_once_on_every_replica(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    key = deployment.add(capsys, "Rita Recruiter", "recruiter")
    for server in deployment.servers:
        answer = httpx.get(f"{server.base_url}/sessions", headers=_bearer(key), timeout=30)
        assert answer.status_code == 200
    assert deployment.command(capsys, "users", "revoke", "Rita Recruiter")[0] == 0
    for server in deployment.servers:
        answer = httpx.get(f"{server.base_url}/sessions", headers=_bearer(key), timeout=30)
        assert answer.status_code == 401
    status, listed = deployment.command(capsys, "users", "list")
    assert status == 0 and "Rita Recruiter\trecruiter\trevoked" in listed


def test_people_are_managed_from_the_command_line_and_audited_by_name(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    key = deployment.add(capsys, "  Rita   Recruiter ", "recruiter")
    status, said = deployment.command(
        capsys, "users", "add", "--name", "Rita Recruiter", "--role", "reviewer"
    )
    assert status == 1 and "already has an active key" in said
    with pytest.raises(SystemExit):
        run(["users", "add", "--name", "Bo", "--role", "candidate"], deployment.settings)
    capsys.readouterr()
    base = deployment.servers[1].base_url
    created = httpx.post(f"{base}/create-session", json={}, headers=_bearer(key), timeout=30)
    assert created.status_code == 200 and created.json()["candidate_token"]
    entries = httpx.get(
        f"{base}/audit", params={"format": "jsonl"}, headers=_bearer(ADMIN), timeout=30
    ).text.splitlines()
    steps = [json.loads(line) for line in entries]
    assert [(e["action"], e["actor"], e["role"]) for e in steps][-2:] == [
        ("user.added", steps[-2]["actor"], "admin"),
        ("session.created", "Rita Recruiter", "recruiter"),
    ]
    assert steps[-2]["details"] == {"name": "Rita Recruiter", "role": "recruiter"}
    assert steps[-2]["actor"].endswith("(command line)")
    assert deployment.command(capsys, "users", "revoke", "Nobody")[0] == 1


def test_the_openapi_document_and_the_api_guide_show_the_permission_table() -> None:
    from pydantic import SecretStr

    from api.main import create_app
    from graph import docsection

    app = create_app(Settings(_env_file=None, admin_token=SecretStr("t")))  # type: ignore[call-arg]
    doc = app.openapi()
    assert doc["paths"]["/audit"]["get"]["x-roles"] == ["admin"]
    create = doc["paths"]["/create-session"]["post"]
    assert create["x-roles"] == ["admin", "recruiter"]
    assert "Who may call it** (with access control on): admin, recruiter." in create["description"]
    guide = Path(__file__).parents[2] / "docs" / "API.md"
    assert docsection.check_file(guide, permissions.SECTION, permissions.render()), (
        "stale: run `python -m api.permissions --write docs/API.md`"
    )


def test_a_route_missing_from_the_permission_table_stops_the_app_from_starting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api.main import create_app

    monkeypatch.delitem(permissions.PERMISSIONS, "reset")
    with pytest.raises(RuntimeError, match=r"no row for \['reset'\]"):
        create_app(Settings(_env_file=None))  # type: ignore[call-arg]
