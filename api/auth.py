"""Access control: off by default (the seed's open mode), bearer tokens when configured.

With `INTERVIEWER_ADMIN_TOKEN` set, the admin token is needed for everything but a candidate's
own turns and status; `create-session` hands out a candidate token scoped to that one session.
Tokens travel only in `Authorization: Bearer`, and only their SHA-256 digests are kept: the
candidate tokens are 256-bit random, so a digest lookup leaks nothing a timing attack could use,
and the final comparison is constant-time all the same.
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

Role = Literal["open", "admin", "candidate"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: anyone (auth off), the admin, or one session's candidate."""

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
