"""`python -m api <command>`: the operator's commands beside the server.

* `python -m api audit verify`: walk the audit log's hash chain; exit 1 naming the first broken
  entry, 0 when it holds (and print the head's hash, to keep somewhere the database is not).
* `python -m api users add --name "Ana Ruiz" --role reviewer`: a person's API key, printed once;
  `users list`; `users revoke "Ana Ruiz"` (refused from the next request on, on every replica).

They open the database the settings name (INTERVIEWER_DATABASE_URL or INTERVIEWER_DB_PATH),
bringing its schema to this release's version as a start-up would.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

from api import audit, people
from api.auth import STAFF_ROLES
from api.config import Settings, get_settings
from api.sessions import LeasePolicy, SessionRepository, open_repository

COMMANDS = frozenset({"audit", "users"})
"""First arguments of `python -m api` that are commands, not the server."""


def _repository(settings: Settings) -> SessionRepository:
    return open_repository(
        settings.database_url, str(settings.db_path), LeasePolicy.from_settings(settings), 2
    )


async def _with_repo(
    settings: Settings, work: Callable[[SessionRepository], Awaitable[int]]
) -> int:
    repo = _repository(settings)
    await repo.setup()
    try:
        return await work(repo)
    finally:
        await repo.close()


async def _verify(repo: SessionRepository) -> int:
    found = await audit.verify(repo)
    print(found.describe(), file=sys.stdout if found.ok else sys.stderr)
    return 0 if found.ok else 1


async def _add(repo: SessionRepository, name: str, role: str) -> int:
    try:
        key = await people.add(repo, name, role, people.operator())
    except people.PersonRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(f"added {people.clean_name(name)} ({role}). Their API key, shown this once:")
    print(key)
    return 0


async def _list(repo: SessionRepository) -> int:
    rows = await people.everyone(repo)
    if not rows:
        print("nobody yet: python -m api users add --name NAME --role ROLE")
    for row in rows:
        state = f"revoked {row.revoked_at}" if row.revoked_at else "active"
        print(f"{row.name}\t{row.role}\t{state}\tadded {row.created_at} by {row.created_by}")
    return 0


async def _revoke(repo: SessionRepository, name: str) -> int:
    try:
        await people.revoke(repo, name, people.operator())
    except people.PersonRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(f"revoked {people.clean_name(name)}'s key")
    return 0


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="python -m api", description=__doc__.split("\n")[0])
    commands = parse.add_subparsers(dest="command", required=True)
    audit_cmd = commands.add_parser("audit", help="the audit log")
    audit_sub = audit_cmd.add_subparsers(dest="action", required=True)
    audit_sub.add_parser(
        "verify", help="check the hash chain; exit 1 naming the first broken entry"
    )
    users_cmd = commands.add_parser("users", help="people and their API keys")
    users_sub = users_cmd.add_subparsers(dest="action", required=True)
    add = users_sub.add_parser("add", help="give a person an API key (printed once)")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=STAFF_ROLES)
    users_sub.add_parser("list", help="everyone given a key, and whether it is revoked")
    revoke = users_sub.add_parser("revoke", help="revoke a person's key at once")
    revoke.add_argument("name")
    return parse


def run(argv: Sequence[str], settings: Settings | None = None) -> int:
    """Run one command; its exit status."""
    args = parser().parse_args(list(argv))
    settings = settings or get_settings()
    if args.command == "audit" and args.action == "verify":
        return asyncio.run(_with_repo(settings, _verify))
    if args.command == "users" and args.action == "add":
        return asyncio.run(_with_repo(settings, lambda repo: _add(repo, args.name, args.role)))
    if args.command == "users" and args.action == "list":
        return asyncio.run(_with_repo(settings, _list))
    if args.command == "users" and args.action == "revoke":
        return asyncio.run(_with_repo(settings, lambda repo: _revoke(repo, args.name)))
    raise AssertionError(args)  # argparse refuses anything else
