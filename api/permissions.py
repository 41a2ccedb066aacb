"""Who may call which endpoint: ONE table, from which access is enforced and documented.

`PERMISSIONS` maps each endpoint (its route's name, the handler's function name) to the roles
that may call it. `authorize`, a dependency of every API router, enforces it; the OpenAPI
document shows each operation's roles (`x-roles` and a line of its description); docs/API.md's
permissions section is generated from it (`python -m api.permissions --write docs/API.md`).
A route of those routers that is missing here makes the app refuse to start.

With access control off (no INTERVIEWER_ADMIN_TOKEN) everyone is "open" and may call anything,
as the seed's clients expect. A candidate role always means the candidate's own session: the
session dependency answers 404 for any other (api/deps.py).

    python -m api.permissions                       # print the table
    python -m api.permissions --write docs/API.md   # refresh docs/API.md's section
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from api.auth import Principal, Role, forbidden
from graph import docsection

SECTION = "permissions"


@dataclass(frozen=True)
class Rule:
    """Who may call one endpoint."""

    roles: frozenset[Role]
    public: bool = False
    """No token needed at all."""


ROLE_COLUMNS: tuple[Role, ...] = ("admin", "recruiter", "reviewer", "candidate")
"""The roles, as the docs' columns show them (admin: the bootstrap token or an admin's key)."""

_HIRING = frozenset[Role]({"admin", "recruiter"})
_READERS = frozenset[Role]({"admin", "recruiter", "reviewer"})
_DECIDERS = frozenset[Role]({"admin", "reviewer"})
_CANDIDATE_TOO = frozenset[Role]({"admin", "recruiter", "candidate"})
_EVERYONE = frozenset[Role]({"admin", "recruiter", "reviewer", "candidate"})
_ADMIN = frozenset[Role]({"admin"})

PERMISSIONS: dict[str, Rule] = {
    # sessions and interviews
    "create_session": Rule(_HIRING),
    "start_interview": Rule(_CANDIDATE_TOO),
    "chat": Rule(_CANDIDATE_TOO),  # a candidate's messages only; system commands: hiring side
    "reset": Rule(_HIRING),
    "end_interview": Rule(_HIRING),
    "save": Rule(_HIRING),
    "delete_session": Rule(_HIRING),
    "interview_status": Rule(_EVERYONE),
    "conversation_history": Rule(_EVERYONE),  # labels: hiring side only
    "list_sessions": Rule(_READERS),
    "security_info": Rule(_READERS),
    "saved_sessions": Rule(_READERS),
    "saved_session": Rule(_READERS),
    "model_info": Rule(frozenset(), public=True),
    # reports and people's review
    "get_report": Rule(_READERS),
    "regenerate_report": Rule(_HIRING),
    "review_report": Rule(_DECIDERS),
    "decide": Rule(_DECIDERS),
    "explanation": Rule(_READERS),
    # candidate rights
    "notice": Rule(_EVERYONE),
    "consent": Rule(_CANDIDATE_TOO),
    "request_accommodation": Rule(_CANDIDATE_TOO),
    "extend_invitation": Rule(_ADMIN),
    "resolve_accommodation": Rule(_ADMIN),
    "candidate_data": Rule(_ADMIN),
    "erase": Rule(_ADMIN),
    "legal_hold": Rule(_ADMIN),
    # operations
    "prometheus_metrics": Rule(_ADMIN),
    # oversight
    "audit_log": Rule(_ADMIN),
    "pause": Rule(_ADMIN),
    "resume": Rule(_ADMIN),
}
"""Endpoint (route name) -> who may call it."""


def rule_of(request: Request) -> Rule:
    route = request.scope.get("route")
    rule = PERMISSIONS.get(getattr(route, "name", ""))
    if rule is None:  # check_routes makes this unreachable; fail closed all the same
        raise forbidden()
    return rule


def allows(rule: Rule, principal: Principal) -> bool:
    return rule.public or principal.role == "open" or principal.role in rule.roles


async def authorize(request: Request) -> None:
    """The router dependency: refuse a caller whose role the table does not list (403)."""
    rule = rule_of(request)
    if rule.public:
        return
    from api.deps import current_principal  # api.deps imports this module's table users

    if not allows(rule, await current_principal(request)):
        raise forbidden()


def _api_routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.16x)
            yield from _api_routes(route.original_router.routes)


def guarded_routes(app: FastAPI) -> list[APIRoute]:
    """The routes `authorize` guards (our routers include no prefixes)."""
    return [
        route
        for route in _api_routes(app.routes)
        if any(dep.dependency is authorize for dep in route.dependencies)
    ]


def check_routes(app: FastAPI) -> None:
    """Every guarded route has a row, and every row a route: else the app does not start."""
    names = [route.name for route in guarded_routes(app)]
    missing = sorted(set(names) - set(PERMISSIONS))
    stale = sorted(set(PERMISSIONS) - set(names))
    if missing or stale or len(names) != len(set(names)):
        raise RuntimeError(
            f"api/permissions.py's PERMISSIONS is out of step with the routes: no row for "
            f"{missing}, no route for {stale} (route names must be unique: {sorted(names)})"
        )


def _who(rule: Rule) -> str:
    if rule.public:
        return "anyone (no token)"
    named = [role for role in ROLE_COLUMNS if role in rule.roles]
    return ", ".join("the session's candidate" if r == "candidate" else r for r in named)


def annotate(doc: dict[str, Any], app: FastAPI) -> None:
    """Show each operation's roles in the OpenAPI document (`x-roles` and its description)."""
    for route in guarded_routes(app):
        rule = PERMISSIONS[route.name]
        for method in route.methods or ():
            operation = doc.get("paths", {}).get(route.path, {}).get(method.lower())
            if operation is None:
                continue
            operation["x-roles"] = (
                ["public"] if rule.public else [r for r in ROLE_COLUMNS if r in rule.roles]
            )
            who = f"**Who may call it** (with access control on): {_who(rule)}."
            operation["description"] = (operation.get("description", "") + "\n\n" + who).strip()


def render() -> str:
    """docs/API.md's permissions section, from the table and the app's routes."""
    from pydantic import SecretStr

    from api.config import Settings
    from api.main import create_app

    app = create_app(Settings(_env_file=None, admin_token=SecretStr("docs")))  # type: ignore[call-arg]
    header = "| endpoint | " + " | ".join(ROLE_COLUMNS) + " |"
    lines = [
        "",
        "Generated from `PERMISSIONS` (`api/permissions.py`), which the API enforces "
        "(`python -m api.permissions --write docs/API.md`). With access control off everyone "
        "may call everything; `candidate` means the candidate's own session only (another "
        "session is a 404); admin is the bootstrap `INTERVIEWER_ADMIN_TOKEN` or an admin's key.",
        "",
        header,
        "| --- |" + " --- |" * len(ROLE_COLUMNS),
    ]
    for route in guarded_routes(app):
        rule = PERMISSIONS[route.name]
        for method in sorted(route.methods or ()):
            marks = [
                "public" if rule.public else ("yes" if role in rule.roles else "no")
                for role in ROLE_COLUMNS
            ]
            lines.append(f"| {method} `{route.path}` | " + " | ".join(marks) + " |")
    return "\n".join([*lines, ""])


def main(argv: Sequence[str] | None = None) -> int:
    return docsection.cli(
        argv,
        prog="python -m api.permissions",
        description="docs/API.md's permissions table, from PERMISSIONS.",
        name=SECTION,
        block=render,
    )


if __name__ == "__main__":
    # Run as `python -m`, this file is `__main__`: the routes hold the module's own `authorize`.
    from api.permissions import main as module_main

    sys.exit(module_main())
