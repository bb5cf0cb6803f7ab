"""Google's Cross-Account Protection: a signed security event that a user removed our access deletes their grant."""

from __future__ import annotations

import time
import uuid

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from backend.models import AuditEvent, UserConnection
from backend.security import TokenCipher
from tests.integration.conftest import MakeUser
from tests.support.google import revoke_user
from tests.support.live import LiveServers
from tests.support.providers import GOOGLE_MEET, set_up_company
from tests.support.rows import rows

TOKENS_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked"


def _anna(live: LiveServers, make_extension_user: MakeUser) -> None:
    set_up_company(live, GOOGLE_MEET)
    make_extension_user("anna", provider=GOOGLE_MEET, provider_email="anna@demo.example")


def _annas_connection(live: LiveServers) -> list[UserConnection]:
    return [c for c in rows(live.settings, UserConnection) if c.associate_id == 2]


def test_removing_access_in_the_google_account_deletes_the_users_grant(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    _anna(live, make_extension_user)
    assert _annas_connection(live)

    delivered = revoke_user(live, "anna@demo.example")

    assert [r["status"] for r in delivered["receivers"]] == [202]
    assert _annas_connection(live) == []
    assert "user.deauthorized" in [e.action for e in rows(live.settings, AuditEvent)]


def test_a_revoked_refresh_token_names_the_grant_by_its_hash(live: LiveServers, make_extension_user: MakeUser) -> None:
    _anna(live, make_extension_user)
    [connection] = _annas_connection(live)
    refresh_token = TokenCipher.for_settings(live.settings).decrypt(connection.refresh_token_encrypted)

    sent = httpx.post(f"{live.sandbox_url}/google/_sandbox/revoke-token", json={"refresh_token": refresh_token})

    assert sent.status_code == 200, sent.text
    assert _annas_connection(live) == []


def test_a_forged_security_event_is_refused_and_changes_nothing(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    _anna(live, make_extension_user)
    [connection] = _annas_connection(live)
    issuer = httpx.get(f"{live.settings.google_accounts_url}/.well-known/risc-configuration").json()["issuer"]
    claims = {"iss": issuer, "aud": live.settings.google_client_id, "iat": int(time.time()), "jti": str(uuid.uuid4()),
              "events": {TOKENS_REVOKED: {"subject": {"subject_type": "iss-sub", "iss": issuer,
                                                      "sub": connection.provider_user_id}}}}  # fmt: skip
    forged = jwt.encode({"alg": "RS256", "kid": "attacker"}, claims, RSAKey.generate_key(2048))

    answer = httpx.post(
        f"{live.backend_url}/webhooks/google_meet", content=forged, headers={"Content-Type": "application/secevent+jwt"}
    )

    assert answer.status_code == 401
    assert _annas_connection(live) != []


def test_an_event_signed_with_another_key_under_googles_key_id_is_refused(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    _anna(live, make_extension_user)
    [connection] = _annas_connection(live)
    risc = httpx.get(f"{live.settings.google_accounts_url}/.well-known/risc-configuration").json()
    google_kid = httpx.get(risc["jwks_uri"]).json()["keys"][0]["kid"]
    claims = {"iss": risc["issuer"], "aud": live.settings.google_client_id, "iat": int(time.time()),
              "jti": str(uuid.uuid4()), "events": {TOKENS_REVOKED: {"subject": {
                  "subject_type": "iss-sub", "iss": risc["issuer"], "sub": connection.provider_user_id}}}}  # fmt: skip
    forged = jwt.encode({"alg": "RS256", "kid": google_kid}, claims, RSAKey.generate_key(2048))

    answer = httpx.post(
        f"{live.backend_url}/webhooks/google_meet", content=forged, headers={"Content-Type": "application/secevent+jwt"}
    )

    assert answer.status_code == 401
    assert _annas_connection(live) != []
