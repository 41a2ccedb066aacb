"""JWTs from the team's identity provider, as people with a role and a name.

With `INTERVIEWER_JWT_SECRET` (HS256) or `INTERVIEWER_JWT_JWKS_URL` (the provider's signing keys)
set, a bearer token that is a JWT is checked: signature, `exp` (required), `nbf`, and `aud` /
`iss` when configured. The role comes from one claim (`INTERVIEWER_JWT_ROLE_CLAIM`, a string or
a list), mapped by `INTERVIEWER_JWT_ROLES`; the name from `INTERVIEWER_JWT_NAME_CLAIM`. A token
that fails any check, or maps to no role, is a 401: never a weaker role.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jwt

from api.auth import STAFF_ROLES, Principal, StaffRole, unauthorized
from api.config import Settings

ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "EdDSA"]
JWKS_CACHE_SECONDS = 300


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class JwtVerifier:
    """Checks a JWT and says who it names (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        self.jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS)
            if settings.jwt_jwks_url
            else None
        )
        self.audience = settings.jwt_audience
        self.issuer = settings.jwt_issuer
        self.role_claim = settings.jwt_role_claim
        self.name_claim = settings.jwt_name_claim
        self.roles: dict[str, StaffRole] = {}
        for value, role in (settings.jwt_roles or {r: r for r in STAFF_ROLES}).items():
            if role not in STAFF_ROLES:
                raise ValueError(
                    f"INTERVIEWER_JWT_ROLES maps {value!r} to {role!r}: roles are "
                    + ", ".join(STAFF_ROLES)
                )
            self.roles[value] = role

    @classmethod
    def configured(cls, settings: Settings) -> JwtVerifier | None:
        if settings.jwt_secret is None and settings.jwt_jwks_url is None:
            return None
        return cls(settings)

    async def principal(self, token: str) -> Principal:
        """The person the token names; 401 for any token that does not check out."""
        try:
            claims = await self._claims(token)
        except (jwt.PyJWTError, ValueError):
            raise unauthorized() from None
        role = self._role(claims.get(self.role_claim))
        name = claims.get(self.name_claim)
        if role is None or not isinstance(name, str) or not name.strip():
            raise unauthorized()
        return Principal(role, name=" ".join(name.split())[:100])

    async def _claims(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        options = {"require": ["exp"]}
        if header.get("alg") == "HS256" and self.secret is not None:
            key: Any = self.secret
            algorithms = ["HS256"]
        elif self.jwks is not None and header.get("alg") in ASYMMETRIC:
            # PyJWKClient fetches with urllib (blocking): off the event loop.
            key = (await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)).key
            algorithms = ASYMMETRIC
        else:
            raise ValueError("no key for this token's algorithm")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=self.audience,
            issuer=self.issuer,
            options=options,  # type: ignore[arg-type]
            leeway=30,
        )
        return claims

    def _role(self, claimed: Any) -> StaffRole | None:
        values = claimed if isinstance(claimed, list) else [claimed]
        found = {self.roles[v] for v in values if isinstance(v, str) and v in self.roles}
        # A token in several groups acts with its strongest role.
        return next((role for role in STAFF_ROLES if role in found), None)
