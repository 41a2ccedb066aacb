"""JWTs from the team's identity provider: HS256 with a shared secret, or keys from a JWKS
served on loopback; the role from a mapped claim, the name into the audit log; anything that
does not check out is a 401, never a weaker role."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.server import ThreadedServer

ADMIN = "bootstrap-admin-token"
SECRET = "a-shared-secret-of-at-least-32-bytes!"


@pytest.fixture
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(private_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """The identity provider's JWKS, on a loopback port."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "idp-key-1", "use": "sig", "alg": "RS256"}]})

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _claims(**extra: Any) -> dict[str, Any]:
    return {"name": "Jun Park", "exp": int(time.time()) + 600, **extra}


def _get(server: ThreadedServer, path: str, token: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {token}"})


def test_an_hs256_token_acts_with_its_claimed_role_and_nothing_more(
    make_server: Callable[..., ThreadedServer],
) -> None:
    server = make_server(admin_token=ADMIN, jwt_secret=SECRET)
    reviewer = jwt.encode(_claims(role="reviewer"), SECRET, algorithm="HS256")
    assert _get(server, "/sessions", reviewer).status_code == 200
    refused = httpx.post(
        f"{server.base_url}/create-session",
        json={},
        headers={"Authorization": f"Bearer {reviewer}"},
    )
    assert refused.status_code == 403
    expired = jwt.encode(
        _claims(role="admin", exp=int(time.time()) - 120), SECRET, algorithm="HS256"
    )
    forged = jwt.encode(_claims(role="admin"), "another-secret-of-32-bytes-or-more", "HS256")
    no_exp = jwt.encode({"name": "Jun Park", "role": "admin"}, SECRET, algorithm="HS256")
    unmapped = jwt.encode(_claims(role="candidate"), SECRET, algorithm="HS256")
    nameless = jwt.encode({"role": "admin", "exp": int(time.time()) + 60}, SECRET, "HS256")
    for token in (expired, forged, no_exp, unmapped, nameless):
        assert _get(server, "/sessions", token).status_code == 401


def test_a_token_signed_by_a_key_of_the_jwks_maps_its_groups_and_is_audited_by_name(
    make_server: Callable[..., ThreadedServer],
    jwks_url: str,
    private_key: rsa.RSAPrivateKey,
) -> None:
    server = make_server(
        admin_token=ADMIN,
        jwt_jwks_url=jwks_url,
        jwt_audience="interviewer",
        jwt_role_claim="groups",
        jwt_roles={"staff": "reviewer", "recruiting": "recruiter"},
    )
    claims = _claims(groups=["staff", "recruiting"], aud="interviewer")
    token = jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": "idp-key-1"})
    created = httpx.post(
        f"{server.base_url}/create-session",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 200  # the strongest of its groups: recruiter
    entries = _get(server, "/audit", ADMIN).json()["entries"]
    assert (entries[-1]["action"], entries[-1]["actor"], entries[-1]["role"]) == (
        "session.created",
        "Jun Park",
        "recruiter",
    )
    assert _get(server, "/audit", token).status_code == 403
    other_audience = jwt.encode(
        {**claims, "aud": "someone-else"}, private_key, "RS256", headers={"kid": "idp-key-1"}
    )
    assert _get(server, "/sessions", other_audience).status_code == 401
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "idp-key-1"})
    assert _get(server, "/sessions", unknown).status_code == 401
    # A token signed with the HS256 "secret" of the public key (algorithm confusion) is refused.
    assert _get(server, "/sessions", jwt.encode(claims, "x" * 32, "HS256")).status_code == 401
