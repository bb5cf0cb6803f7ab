"""SuperOffice's id tokens, as documented: our client takes the documented token, and the emulator issues its shape."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time

import httpx
from joserfc import jws, jwt

from backend.crm.superoffice import SuperOfficeSignIn
from backend.sandbox.superoffice import signing_keys
from tests.contracts.shapes import differences, sample
from tests.support.live import LiveServers

DOCUMENTED = sample("superoffice/id_token_payload")


def _client(live: LiveServers) -> SuperOfficeSignIn:
    return SuperOfficeSignIn(
        issuer=live.settings.superoffice_url,
        client_id=live.settings.superoffice_client_id,
        client_secret=live.settings.superoffice_secret,
        redirect_uri=live.settings.auth_callback_url,
    )


def test_the_documented_id_token_is_accepted(live: LiveServers) -> None:
    """The sample payload, with its times, issuer and audience made current and ours, signed as documented."""
    certificate = _certificate(live)
    now = int(time.time())
    payload = {**DOCUMENTED["payload"], "iat": str(now), "nbf": now - 60, "exp": now + 300,
               "iss": live.sandbox_url, "aud": live.settings.superoffice_client_id}  # fmt: skip
    header = {**DOCUMENTED["header"], "x5t": certificate.thumbprint}
    token = jwt.encode(header, payload, certificate.key)

    identity = asyncio.run(_client(live).verify_id_token(token, nonce=payload["nonce"]))

    assert (identity.context_id, identity.associate_id, identity.is_administrator) == ("Cust26759", 5, False)
    assert identity.company_name == "Tonys Developer Network"
    assert identity.webapi_url == "https://sod.superoffice.com/Cust26759/api/"


def test_the_emulator_issues_id_tokens_of_the_documented_shape(live: LiveServers) -> None:
    token = _id_token_from_the_emulator(live, "admin")

    header = jws.extract_compact(token.encode()).headers()
    payload = jwt.decode(token, _certificate(live).key).claims
    assert sorted(header) == sorted(["typ", *DOCUMENTED["header"]])
    assert differences(DOCUMENTED["payload"], payload) == []


def _certificate(live: LiveServers) -> signing_keys.SigningCertificate:
    return signing_keys.load_or_create(live.settings.data_dir / "sandbox" / "superoffice_signing.json", "-")


def _id_token_from_the_emulator(live: LiveServers, username: str) -> str:
    """The authorization code flow over HTTP, as our registered application (PKCE S256)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    with httpx.Client(base_url=live.sandbox_url, timeout=20) as browser:
        browser.post("/login", data={"username": username, "password": username})
        authorized = browser.get("/login/common/oauth/authorize", params={
            "response_type": "code", "client_id": live.settings.superoffice_client_id, "scope": "openid",
            "redirect_uri": live.settings.auth_callback_url, "state": "s", "nonce": secrets.token_hex(8),
            "code_challenge": challenge, "code_challenge_method": "S256",
        })  # fmt: skip
        assert authorized.status_code == 302, authorized.text
        code = httpx.URL(authorized.headers["location"]).params["code"]
        answer = browser.post(
            "/login/common/oauth/tokens",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": live.settings.auth_callback_url,
                  "code_verifier": verifier},
            auth=(live.settings.superoffice_client_id, live.settings.superoffice_secret),
        )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id_token"])
