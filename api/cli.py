"""`python -m api <command>`: the operator's commands beside the server.

* `python -m api audit verify`: walk the audit log's hash chain; exit 1 naming the first broken
  entry, 0 when it holds (and print the head's hash, to keep somewhere the database is not).

They open the database the settings name (INTERVIEWER_DATABASE_URL or INTERVIEWER_DB_PATH),
bringing its schema to this release's version as a start-up would.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

from api import audit
from api.config import Settings, get_settings
from api.sessions import LeasePolicy, SessionRepository, open_repository

COMMANDS = frozenset({"audit"})
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


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="python -m api", description=__doc__.split("\n")[0])
    commands = parse.add_subparsers(dest="command", required=True)
    audit_cmd = commands.add_parser("audit", help="the audit log")
    audit_sub = audit_cmd.add_subparsers(dest="action", required=True)
    audit_sub.add_parser(
        "verify", help="check the hash chain; exit 1 naming the first broken entry"
    )
    return parse


def run(argv: Sequence[str], settings: Settings | None = None) -> int:
    """Run one command; its exit status."""
    args = parser().parse_args(list(argv))
    settings = settings or get_settings()
    if args.command == "audit" and args.action == "verify":
        return asyncio.run(_with_repo(settings, _verify))
    raise AssertionError(args)  # argparse refuses anything else
