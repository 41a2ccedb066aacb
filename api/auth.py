"""Access control: off by default (the seed's open mode), bearer tokens when configured.

With `INTERVIEWER_ADMIN_TOKEN` set, every request but the public ones needs a bearer token:
the admin token (the bootstrap admin), a named person's key (`python -m api users add`, with a
role: api/people.py), a JWT from the team's identity provider (api/idp.py), or a candidate token
that `create-session` hands out for one session. What each role may call is one table,
api/permissions.py. Tokens travel only in `Authorization: Bearer`, and only the SHA-256 digests
of keys and candidate tokens are kept: both are 256-bit random, so a digest lookup leaks nothing
a timing attack could use, and the final comparison is constant-time all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request

from api.audit import Actor
from api.errors import ERRORS

Role = Literal["open", "admin", "recruiter", "reviewer", "candidate"]
"""What each may call is `PERMISSIONS` (api/permissions.py); "open": access control is off."""

StaffRole = Literal["admin", "recruiter", "reviewer"]
"""The roles a person's key or an identity provider's token may carry (a candidate's token is
made by create-session, for one session)."""

STAFF_ROLES: tuple[StaffRole, ...] = ("admin", "recruiter", "reviewer")


@dataclass(frozen=True)
class Principal:
    """Who is calling: anyone (auth off), a named person or the bootstrap admin, or one
    session's candidate."""

    role: Role
    session_id: str | None = None
    name: str | None = None
    """The person's name, when the credential names one."""

    @property
    def actor(self) -> Actor:
        """Who the audit log says acted."""
        if self.name is not None:
            return Actor(self.name, self.role)
        return Actor(_UNNAMED[self.role], self.role)


_UNNAMED: dict[str, str] = {
    "open": "anonymous (access control off)",
    "admin": "admin (bootstrap token)",
    "recruiter": "recruiter",
    "reviewer": "reviewer",
    "candidate": "candidate",
}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_candidate_token() -> tuple[str, str]:
    """A fresh candidate token and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def same_digest(presented: str, stored: str) -> bool:
    return hmac.compare_digest(presented.encode("ascii"), stored.encode("ascii"))


def unauthorized() -> HTTPException:
    return ERRORS["unauthorized"].http()


def forbidden() -> HTTPException:
    return ERRORS["forbidden"].http()


def bearer_token(request: Request) -> str | None:
    """The bearer token of the request, or None when there is no Authorization header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ERRORS["bad_authorization"].http()
    return token.strip()
