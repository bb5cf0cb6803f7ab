"""The id token from SuperOffice is trusted only when its signature, issuer, audience, time and nonce are right.

Tokens are made here with the sandbox's own signing key (or a stranger's), and checked by the backend's real
client against the sandbox's published keys, fetched over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from backend.crm.superoffice import CLAIM, SignInError, SuperOfficeSignIn
from tests.support.live import LiveServers

NONCE = "n-0S6_WzA2Mj"


def _sandbox_key(live: LiveServers) -> RSAKey:
    path = live.settings.data_dir / "sandbox" / "superoffice_signing_key.json"
    return RSAKey.import_key(json.loads(path.read_text()))


def _claims(live: LiveServers, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": live.sandbox_url,
        "aud": [live.settings.superoffice_client_id],
        "sub": "0b7f1f0e-demo",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        f"{CLAIM}ctx": "Cust12345",
        f"{CLAIM}associateid": "1",
        f"{CLAIM}is_administrator": "True",
        f"{CLAIM}email": "admin@demo.example",
        f"{CLAIM}company_name": "Demo Company AS",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _token(key: RSAKey, claims: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode({"alg": "RS256", "kid": kid or key.kid or ""}, claims, key)


def _verify(live: LiveServers, token: str, nonce: str = NONCE) -> Any:
    client = SuperOfficeSignIn(
        issuer=live.settings.superoffice_url,
        client_id=live.settings.superoffice_client_id,
        client_secret=live.settings.superoffice_secret,
        redirect_uri=live.settings.auth_callback_url,
    )
    return asyncio.run(client.verify_id_token(token, nonce=nonce))


def test_a_proper_token_gives_the_superoffice_identity(live: LiveServers) -> None:
    identity = _verify(live, _token(_sandbox_key(live), _claims(live)))

    assert identity.context_id == "Cust12345"
    assert identity.associate_id == 1
    assert identity.is_administrator is True
    assert identity.email == "admin@demo.example"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "The token is expired"),
        ({"aud": ["another-application"]}, "Invalid claim: 'aud'"),
        ({"iss": "https://evil.example"}, "Invalid claim: 'iss'"),
        ({"nonce": "replayed-nonce"}, "Invalid claim: 'nonce'"),
        ({"nonce": None}, "Missing claim: 'nonce'"),
    ],
)
def test_a_token_with_wrong_claims_is_refused(live: LiveServers, changes: dict[str, Any], reason: str) -> None:
    token = _token(_sandbox_key(live), _claims(live, **changes))

    with pytest.raises(SignInError) as refused:
        _verify(live, token)

    assert "not valid for this service" in str(refused.value)
    assert reason in str(refused.value)


def test_a_token_signed_by_someone_else_is_refused(live: LiveServers) -> None:
    stranger = RSAKey.generate_key(2048, private=True)
    real_kid = _sandbox_key(live).kid

    with pytest.raises(SignInError, match="could not be verified"):
        _verify(live, _token(stranger, _claims(live), kid=real_kid))
    with pytest.raises(SignInError, match="unknown key"):
        _verify(live, _token(stranger, _claims(live), kid="not-a-sandbox-key"))


def test_a_token_without_the_company_is_refused(live: LiveServers) -> None:
    token = _token(_sandbox_key(live), _claims(live, **{f"{CLAIM}ctx": None}))

    with pytest.raises(SignInError, match="lacks the user's company"):
        _verify(live, token)


def test_an_unreachable_superoffice_is_a_clear_502(live: LiveServers) -> None:
    client = SuperOfficeSignIn(issuer="http://127.0.0.1:1", client_id="x", client_secret="y", redirect_uri="z")

    with pytest.raises(SignInError) as refused:
        asyncio.run(client.metadata())

    assert refused.value.status_code == 502
    assert "could not be reached" in str(refused.value)
