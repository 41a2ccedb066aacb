"""Request dependencies: the app's services, the caller, and the session a path names."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from fastapi import Depends, Header, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import (
    Principal,
    Role,
    bearer_token,
    digest,
    forbidden,
    same_digest,
    unauthorized,
)
from api.config import Settings
from api.errors import ERRORS
from api.idp import JwtVerifier, looks_like_jwt
from api.interviews import InterviewService, check_key
from api.people import is_person_key
from api.rights.invitations import is_expired
from api.sessions import SessionRepository, SessionRow

# Dependencies are `async def` on purpose: FastAPI runs a plain `def` in a thread pool, a
# thread hop per dependency per request on the hot path.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_service(request: Request) -> InterviewService:
    service: InterviewService = request.app.state.service
    return service


async def get_repo(request: Request) -> SessionRepository:
    repo: SessionRepository = request.app.state.repo
    return repo


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[InterviewService, Depends(get_service)]
RepoDep = Annotated[SessionRepository, Depends(get_repo)]


async def authenticate(request: Request) -> Principal:
    """Who is calling, from the request's headers alone (the body is not needed, nor read).

    With auth off everyone is "open"; with it on, a valid token is required: the bootstrap
    admin token, a person's key (api/people.py), a JWT of the identity provider (api/idp.py)
    or a candidate token. Keys and candidate tokens are looked up on every request, so a
    revoked key is refused at once on every replica. The request guard (api/guard.py) calls
    this before the body is read and leaves the answer in the request state.
    """
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:
        return Principal("open")
    token = bearer_token(request)
    if token is None:
        raise unauthorized()
    presented = digest(token)
    if same_digest(presented, digest(settings.admin_token.get_secret_value())):
        return Principal("admin")
    repo: SessionRepository = request.app.state.repo
    if is_person_key(token):
        person = await repo.person_by_key(presented)
        if person is None:
            raise unauthorized()
        return Principal(cast(Role, person.role), name=person.name)
    verifier: JwtVerifier | None = getattr(request.app.state, "jwt", None)
    if verifier is not None and looks_like_jwt(token):
        return await verifier.principal(token)
    row = await repo.by_token_hash(presented)
    if row is None or row.token_hash is None or not same_digest(presented, row.token_hash):
        raise unauthorized()
    return Principal("candidate", row.session_id)


async def current_principal(request: Request) -> Principal:
    """Who is calling: as the request guard found, or found now (requests without a body).
    Found once per request, whoever asks."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    principal = await authenticate(request)
    request.state.principal = principal
    return principal


# Declares the bearer scheme in the OpenAPI document; the token itself is checked by
# `authenticate` (auto_error off: with auth off no header is needed at all).
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="With INTERVIEWER_ADMIN_TOKEN set: that bootstrap admin token, a person's key "
    "(`python -m api users add`), a JWT of the team's identity provider, or a session's "
    "candidate token from create-session. Without it the API is open and this header is "
    "ignored.",
)


async def get_principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """Who is calling (the route's roles are checked by `authorize`, api/permissions.py)."""
    return await current_principal(request)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    """Admin only (the bootstrap token or an admin's key; anyone in open mode), whatever
    router the route is on. Routes of the guarded routers say who may call them in
    api/permissions.py instead."""
    if principal.role not in ("admin", "open"):
        raise forbidden()
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


def session_not_found() -> HTTPException:
    return ERRORS["session_not_found"].http()


def canonical_session_id(session_id: str) -> str:
    try:
        return str(uuid.UUID(session_id))
    except ValueError:
        raise session_not_found() from None


async def get_session(
    repo: RepoDep,
    principal: PrincipalDep,
    session_id: Annotated[str, Path(description="UUID of the session")],
) -> SessionRow:
    """The session the path names; 404 for unknown or malformed ids, and for a candidate
    token used on a session that is not its own (no hint that the session exists)."""
    canonical = canonical_session_id(session_id)
    if principal.role == "candidate" and principal.session_id != canonical:
        raise session_not_found()
    row = await repo.get(canonical)
    if row is None:
        raise session_not_found()
    return row


SessionDep = Annotated[SessionRow, Depends(get_session)]


async def get_invited_session(session: SessionDep, principal: PrincipalDep) -> SessionRow:
    """The session, on a route the candidate uses: 410 once its invitation expired unstarted
    (the admin still sees it, to extend it)."""
    if principal.role != "admin" and is_expired(session):
        raise ERRORS["invitation_expired"].http(expires_at=session.expires_at)
    return session


InvitedSessionDep = Annotated[SessionRow, Depends(get_invited_session)]


async def get_session_id(
    principal: PrincipalDep,
    session_id: Annotated[str, Path(description="UUID of the session")],
) -> str:
    """The session id the path names, checked as `get_session` checks it but without reading
    the row: for the turn endpoints, whose lease claim reads it anyway (404 from there)."""
    canonical = canonical_session_id(session_id)
    if principal.role == "candidate" and principal.session_id != canonical:
        raise session_not_found()
    return canonical


SessionIdDep = Annotated[str, Depends(get_session_id)]


async def get_idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Optional. The same key on a turn that already committed returns the "
            "committed reply again (no new turn); while that turn runs, 409. Scoped to the "
            "session; at most 200 printable ASCII characters.",
        ),
    ] = None,
) -> str | None:
    return check_key(idempotency_key)  # 422 (Refused) when unusable


IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]
