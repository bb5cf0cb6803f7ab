"""The emulated SuperOffice sign-in keeps SuperOffice Online's OpenID Connect contract."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws, jwt
from joserfc.jwk import RSAKey
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.sandbox.app import SandboxConfig, create_sandbox_app
from backend.sandbox.superoffice.oidc_store import OAuthClient

pytestmark = pytest.mark.anyio

ISSUER = "http://127.0.0.1:8001"
CLIENT = OAuthClient("test-app", "test-app-secret-0123456789", ("http://127.0.0.1:9000/callback",))
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
CLAIM = "http://schemes.superoffice.net/identity/"


@pytest.fixture
async def superoffice(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    config = SandboxConfig(tmp_path, ISSUER, "http://127.0.0.1:8000", b"s" * 32, superoffice_clients=(CLIENT,))
    async with AsyncTestClient(app=create_sandbox_app(config), base_url=ISSUER) as client:
        yield client


async def _code(client: AsyncTestClient[Litestar], username: str = "anna", **params: str) -> str:
    await client.post("/login", data={"username": username, "password": username}, follow_redirects=False)
    query = {
        "response_type": "code",
        "client_id": CLIENT.client_id,
        "redirect_uri": CLIENT.redirect_uris[0],
        "scope": "openid",
        "state": "st-1",
        "nonce": f"nonce-{secrets.token_hex(4)}",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **params,
    }
    answer = await client.get("/login/common/oauth/authorize", params=query, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(CLIENT.redirect_uris[0])
    assert "state=st-1" in location
    return location.split("code=")[1].split("&")[0]


async def _redeem(client: AsyncTestClient[Litestar], code: str, **form: str) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT.redirect_uris[0],
            "code_verifier": VERIFIER, **form}  # fmt: skip
    return await client.post("/login/common/oauth/tokens", data=data, auth=(CLIENT.client_id, CLIENT.client_secret))


async def test_discovery_describes_superoffice_endpoints(superoffice: AsyncTestClient[Litestar]) -> None:
    document = (await superoffice.get("/login/.well-known/openid-configuration")).json()

    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == f"{ISSUER}/login/common/oauth/authorize"
    assert document["token_endpoint"] == f"{ISSUER}/login/common/oauth/tokens"
    assert document["jwks_uri"] == f"{ISSUER}/login/.well-known/jwks"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {"client_secret_post", "client_secret_basic"}


async def test_the_id_token_carries_superoffice_claims(superoffice: AsyncTestClient[Litestar]) -> None:
    tokens = (await _redeem(superoffice, await _code(superoffice, "admin"))).json()
    published = (await superoffice.get("/login/.well-known/jwks")).json()["keys"]
    header = jws.extract_compact(tokens["id_token"].encode()).headers()
    (signer,) = [entry for entry in published if entry["x5t"] == header["x5t"]]

    claims = jwt.decode(tokens["id_token"], RSAKey.import_key(signer), algorithms=["RS256"]).claims

    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["refresh_token"]
    assert len(published) == 2  # the signing certificate and the next one, neither with a kid
    assert "kid" not in header and all("kid" not in entry for entry in published)
    assert claims["iss"] == ISSUER
    assert claims["aud"] == CLIENT.client_id
    assert isinstance(claims["iat"], str) and claims["iat"].isdigit()
    assert claims["nbf"] == int(claims["iat"]) - 60 and claims["exp"] == int(claims["iat"]) + 300
    assert claims["nonce"].startswith("nonce-")
    assert claims[f"{CLAIM}ctx"] == "Cust12345"
    assert claims[f"{CLAIM}associateid"] == "1"
    assert claims[f"{CLAIM}is_administrator"] == "True"
    assert claims[f"{CLAIM}email"] == "admin@demo.example"
    assert claims[f"{CLAIM}webapi_url"] == f"{ISSUER}/Cust12345/api/"


async def test_a_code_is_single_use_and_needs_the_right_verifier(superoffice: AsyncTestClient[Litestar]) -> None:
    code = await _code(superoffice)

    wrong_verifier = await _redeem(superoffice, code, code_verifier="w" * 64)
    assert wrong_verifier.status_code == 400
    assert wrong_verifier.json()["error"] == "invalid_grant"

    code = await _code(superoffice)
    assert (await _redeem(superoffice, code)).status_code == 200
    replay = await _redeem(superoffice, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


async def test_the_client_secret_may_come_in_the_form(superoffice: AsyncTestClient[Litestar]) -> None:
    code = await _code(superoffice)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT.redirect_uris[0],
            "code_verifier": VERIFIER, "client_id": CLIENT.client_id,
            "client_secret": CLIENT.client_secret}  # fmt: skip

    answer = await superoffice.post("/login/common/oauth/tokens", data=data)

    assert answer.status_code == 200
    assert answer.json()["id_token"]


async def test_a_wrong_client_secret_is_refused(superoffice: AsyncTestClient[Litestar]) -> None:
    code = await _code(superoffice)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT.redirect_uris[0]}

    answer = await superoffice.post("/login/common/oauth/tokens", data=data, auth=(CLIENT.client_id, "wrong"))

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_a_refresh_token_gives_new_access_and_stays_valid(superoffice: AsyncTestClient[Litestar]) -> None:
    tokens = (await _redeem(superoffice, await _code(superoffice))).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    first = await superoffice.post(
        "/login/common/oauth/tokens", data=refresh, auth=(CLIENT.client_id, CLIENT.client_secret)
    )
    second = await superoffice.post(
        "/login/common/oauth/tokens", data=refresh, auth=(CLIENT.client_id, CLIENT.client_secret)
    )

    assert first.status_code == second.status_code == 200
    assert first.json()["access_token"] != tokens["access_token"]
    assert second.json()["access_token"] != first.json()["access_token"]


async def test_the_access_token_opens_the_webapi_as_that_user(superoffice: AsyncTestClient[Litestar]) -> None:
    tokens = (await _redeem(superoffice, await _code(superoffice, "bjorn"))).json()
    superoffice.cookies.clear()
    body = {"Title": "Call", "StartDate": "2026-11-26T10:00:00Z", "EndDate": "2026-11-26T10:30:00Z"}
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

    created = await superoffice.post("/Cust12345/api/v1/Appointment", json=body, headers=bearer)
    forged = await superoffice.get(f"/Cust12345/api/v1/Appointment/{created.json()['AppointmentId']}",
                                   headers={"Authorization": "Bearer not-a-token"})  # fmt: skip

    assert created.status_code == 200
    assert created.json()["Associate"]["AssociateId"] == 3
    assert forged.status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"client_id": "unknown-app"}, {"redirect_uri": "https://evil.example/callback"}],
)
async def test_an_unknown_client_or_redirect_gets_a_page_never_a_redirect(
    superoffice: AsyncTestClient[Litestar], params: dict[str, str]
) -> None:
    await superoffice.post("/login", data={"username": "anna", "password": "anna"}, follow_redirects=False)
    query = {"response_type": "code", "client_id": CLIENT.client_id, "redirect_uri": CLIENT.redirect_uris[0],
             "scope": "openid", "state": "s", **params}  # fmt: skip

    answer = await superoffice.get("/login/common/oauth/authorize", params=query, follow_redirects=False)

    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "This sign-in request cannot be completed" in answer.text


async def test_not_signed_in_the_crm_asks_first_and_comes_back(superoffice: AsyncTestClient[Litestar]) -> None:
    query = {"response_type": "code", "client_id": CLIENT.client_id, "redirect_uri": CLIENT.redirect_uris[0],
             "scope": "openid", "state": "s"}  # fmt: skip

    answer = await superoffice.get("/login/common/oauth/authorize", params=query, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=%2Flogin%2Fcommon%2Foauth%2Fauthorize%3F")


async def test_a_nonce_is_accepted_once(superoffice: AsyncTestClient[Litestar]) -> None:
    await _code(superoffice, nonce="only-once")

    query = {"response_type": "code", "client_id": CLIENT.client_id, "redirect_uri": CLIENT.redirect_uris[0],
             "scope": "openid", "state": "s", "nonce": "only-once"}  # fmt: skip
    again = await superoffice.get("/login/common/oauth/authorize", params=query, follow_redirects=False)

    assert again.status_code == 302
    assert "error=invalid_request" in again.headers["location"]
    assert "code=" not in again.headers["location"]
