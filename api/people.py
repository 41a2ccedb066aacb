"""Named people and their API keys: `python -m api users add|list|revoke`.

A person has a name, a role (admin, recruiter, reviewer) and one active key at a time. The key
is shown once, when it is made; the database keeps only its SHA-256 digest, and every request
looks the digest up, so a revoked key is refused at once on every replica (nothing caches it).
Adding and revoking are audited.

Keys start with `ik.`, a dot that no candidate token (URL-safe base64) and no JWT (two dots)
has, so a request's token is looked up in one table only.
"""

from __future__ import annotations

import getpass
import secrets
import unicodedata

from api.audit import Actor, append
from api.auth import STAFF_ROLES, digest
from api.sessions import SessionRepository
from api.sessions.base import PersonRow

KEY_PREFIX = "ik."
MAX_NAME_CHARS = 100


class PersonRefused(ValueError):
    """A person cannot be added or revoked as asked (the message says why)."""


def is_person_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX) and token.count(".") == 1


def new_key() -> tuple[str, str]:
    """A fresh key and the digest to store."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, digest(key)


def clean_name(name: str) -> str:
    """The name as kept: trimmed, one to 100 printable characters."""
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned or len(cleaned) > MAX_NAME_CHARS:
        raise PersonRefused(f"a name has 1 to {MAX_NAME_CHARS} characters")
    if not all(ch.isprintable() for ch in cleaned):
        raise PersonRefused("a name has printable characters only")
    return cleaned


def operator() -> Actor:
    """Who runs a command on the host: the audit log's actor for `users add|revoke`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return Actor(f"{user} (command line)", "admin")


async def add(repo: SessionRepository, name: str, role: str, by: Actor) -> str:
    """Give `name` a key with `role`; the key, to hand over once."""
    person = clean_name(name)
    if role not in STAFF_ROLES:
        raise PersonRefused(f"role must be one of {', '.join(STAFF_ROLES)}; not {role!r}")
    if await repo.active_person(person) is not None:
        raise PersonRefused(f"{person} already has an active key: revoke it first")
    key, key_hash = new_key()
    await repo.add_person(person, role, key_hash, by.name)
    await append(repo, by, "user.added", details={"name": person, "role": role})
    return key


async def revoke(repo: SessionRepository, name: str, by: Actor) -> None:
    """Revoke `name`'s key: refused from the next request on, on every replica."""
    person = clean_name(name)
    if await repo.revoke_person(person) == 0:
        raise PersonRefused(f"{person} has no active key")
    await append(repo, by, "user.revoked", details={"name": person})


async def everyone(repo: SessionRepository) -> list[PersonRow]:
    return await repo.people()
