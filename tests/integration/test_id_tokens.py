"""The id token from SuperOffice is trusted only when its signature, issuer, audience, time and nonce are right.

Tokens are made here with the sandbox's own signing key (or a stranger's), and checked by the backend's real
client against the sandbox's published keys, fetched over HTTP.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from backend.crm.superoffice import CLAIM, SignInError, SuperOfficeSignIn
from backend.sandbox.superoffice import signing_keys
from backend.sandbox.superoffice.signing_keys import SigningCertificate
from tests.support.live import LiveServers

NONCE = "n-0S6_WzA2Mj"


def _certificate(live: LiveServers, name: str = "superoffice_signing.json") -> SigningCertificate:
    return signing_keys.load_or_create(live.settings.data_dir / "sandbox" / name, "unused")


def _claims(live: LiveServers, **changes: Any) -> dict[str, Any]:
    """The payload of SuperOffice's documented sample: ``iat`` a string, ``nbf``/``exp`` numbers, ``aud`` a string."""
    now = int(time.time())
    claims = {
        "sub": "admin@demo.example",
        f"{CLAIM}associateid": "1",
        f"{CLAIM}is_administrator": "True",
        f"{CLAIM}ctx": "Cust12345",
        f"{CLAIM}email": "admin@demo.example",
        f"{CLAIM}company_name": "Demo Company AS",
        "iat": str(now),
        "nonce": NONCE,
        "nbf": now - 60,
        "exp": now + 300,
        "iss": live.sandbox_url,
        "aud": live.settings.superoffice_client_id,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _token(certificate: SigningCertificate | RSAKey, claims: dict[str, Any], **header: str) -> str:
    """Signed as SuperOffice signs: the certificate named by its thumbprint, no ``kid``."""
    if isinstance(certificate, SigningCertificate):
        return jwt.encode({"typ": "JWT", "alg": "RS256", "x5t": certificate.thumbprint, **header}, claims,
                          certificate.key)  # fmt: skip
    return jwt.encode({"typ": "JWT", "alg": "RS256", **header}, claims, certificate)


def _verify(live: LiveServers, token: str, nonce: str = NONCE) -> Any:
    client = SuperOfficeSignIn(
        issuer=live.settings.superoffice_url,
        client_id=live.settings.superoffice_client_id,
        client_secret=live.settings.superoffice_secret,
        redirect_uri=live.settings.auth_callback_url,
    )
    return asyncio.run(client.verify_id_token(token, nonce=nonce))


def test_a_token_as_superoffice_documents_it_gives_the_identity(live: LiveServers) -> None:
    identity = _verify(live, _token(_certificate(live), _claims(live)))

    assert identity.context_id == "Cust12345"
    assert identity.associate_id == 1
    assert identity.is_administrator is True
    assert identity.email == "admin@demo.example"


def test_the_key_is_chosen_by_thumbprint_or_found_by_trying_each(live: LiveServers) -> None:
    next_certificate = _certificate(live, "superoffice_next_signing.json")  # the second key of the published two

    assert _verify(live, _token(next_certificate, _claims(live))).associate_id == 1
    assert _verify(live, _token(next_certificate.key, _claims(live))).associate_id == 1  # no x5t, no kid
    assert _verify(live, _token(_certificate(live).key, _claims(live, iat=int(time.time())))).associate_id == 1


@pytest.mark.parametrize("issued", ["soon", "1581665207.5", "-1581665207", " 1581665207", ""])
def test_an_issue_time_that_is_not_a_string_of_digits_is_refused(live: LiveServers, issued: str) -> None:
    with pytest.raises(SignInError, match="issue time is not a number"):
        _verify(live, _token(_certificate(live), _claims(live, iat=issued)))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "The token is expired"),
        ({"aud": "another-application"}, "Invalid claim: 'aud'"),
        ({"iss": "https://evil.example"}, "Invalid claim: 'iss'"),
        ({"nonce": "replayed-nonce"}, "Invalid claim: 'nonce'"),
        ({"nonce": None}, "Missing claim: 'nonce'"),
    ],
)
def test_a_token_with_wrong_claims_is_refused(live: LiveServers, changes: dict[str, Any], reason: str) -> None:
    token = _token(_certificate(live), _claims(live, **changes))

    with pytest.raises(SignInError) as refused:
        _verify(live, token)

    assert "not valid for this service" in str(refused.value)
    assert reason in str(refused.value)


def test_a_token_signed_by_someone_else_is_refused(live: LiveServers) -> None:
    stranger = RSAKey.generate_key(2048, private=True)

    with pytest.raises(SignInError, match="could not be verified"):
        _verify(live, _token(stranger, _claims(live), x5t=_certificate(live).thumbprint))
    with pytest.raises(SignInError, match="could not be verified"):
        _verify(live, _token(stranger, _claims(live)))  # every published key tried
    with pytest.raises(SignInError, match="unknown key"):
        _verify(live, _token(stranger, _claims(live), x5t="bm90LWEtc2FuZGJveC1jZXJ0"))
    with pytest.raises(SignInError, match="unknown key"):
        _verify(live, _token(stranger, _claims(live), kid="not-a-sandbox-key"))


def test_a_token_without_the_company_is_refused(live: LiveServers) -> None:
    token = _token(_certificate(live), _claims(live, **{f"{CLAIM}ctx": None}))

    with pytest.raises(SignInError, match="lacks the user's company"):
        _verify(live, token)


def test_an_unreachable_superoffice_is_a_clear_502(live: LiveServers) -> None:
    client = SuperOfficeSignIn(issuer="http://127.0.0.1:1", client_id="x", client_secret="y", redirect_uri="z")

    with pytest.raises(SignInError) as refused:
        asyncio.run(client.metadata())

    assert refused.value.status_code == 502
    assert "could not be reached" in str(refused.value)
