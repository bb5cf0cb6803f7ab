"""Google's Cross-Account Protection: a signed security event that a user removed our access deletes their grant."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from backend.models import AuditEvent, UserConnection, WebhookReceipt
from backend.security import TokenCipher
from tests.integration.conftest import MakeUser
from tests.support.google import revoke_user
from tests.support.live import LiveServers
from tests.support.providers import GOOGLE_MEET, connect_user, set_up_company
from tests.support.rows import change_rows, rows

TOKENS_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked"
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


def _anna(live: LiveServers, make_extension_user: MakeUser) -> None:
    set_up_company(live, GOOGLE_MEET)
    make_extension_user("anna", provider=GOOGLE_MEET, provider_email="anna@demo.example")


def _annas_connection(live: LiveServers) -> list[UserConnection]:
    return [c for c in rows(live.settings, UserConnection) if c.associate_id == 2]


@pytest.mark.parametrize("subject_type", ["iss-sub", "id_token_claims"])
def test_removing_access_in_the_google_account_deletes_the_users_grant(
    live: LiveServers, make_extension_user: MakeUser, subject_type: str
) -> None:
    _anna(live, make_extension_user)
    assert _annas_connection(live)

    delivered = revoke_user(live, "anna@demo.example", subject_type=subject_type)

    assert [r["status"] for r in delivered["receivers"]] == [202]
    assert _annas_connection(live) == []
    assert "user.deauthorized" in [e.action for e in rows(live.settings, AuditEvent)]


@pytest.mark.parametrize("alg", ["hash_base64_sha512_sha512", "prefix"])
def test_a_revoked_refresh_token_names_the_grant_by_its_identifier(
    live: LiveServers, make_extension_user: MakeUser, alg: str
) -> None:
    _anna(live, make_extension_user)
    set_up_other_users_grant = make_extension_user("bjorn", provider=GOOGLE_MEET, provider_email="bjorn@demo.example")
    [connection] = _annas_connection(live)
    refresh_token = TokenCipher.for_settings(live.settings).decrypt(connection.refresh_token_encrypted)

    sent = httpx.post(f"{live.sandbox_url}/google/_sandbox/revoke-token",
                      json={"refresh_token": refresh_token, "token_identifier_alg": alg}, timeout=20)  # fmt: skip

    assert sent.status_code == 200, sent.text
    assert [r["status"] for r in sent.json()["receivers"]] == [202]
    assert _annas_connection(live) == []
    assert set_up_other_users_grant and [c.associate_id for c in rows(live.settings, UserConnection)] == [3]


def _signed_by_google(live: LiveServers, claims: dict[str, Any]) -> bytes:
    """A SET signed with the emulator's own key (read from its data directory, as only Google could)."""
    key = RSAKey.import_key(json.loads((live.settings.data_dir / "sandbox" / "google_signing_key.json").read_text()))
    return jwt.encode({"alg": "RS256", "kid": key.kid or "", "typ": "JWT"}, claims, key).encode()


def test_googles_double_hash_names_the_token_and_a_single_hash_does_not(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    """developers.google.com/identity/protocols/risc: hash_base64_sha512_sha512 is SHA-512 applied twice."""
    _anna(live, make_extension_user)
    [connection] = _annas_connection(live)
    refresh_token = TokenCipher.for_settings(live.settings).decrypt(connection.refresh_token_encrypted) or ""
    once = base64.b64encode(hashlib.sha512(refresh_token.encode()).digest()).decode()
    issuer = httpx.get(f"{live.settings.google_accounts_url}/.well-known/risc-configuration").json()["issuer"]

    def event(identifier: str) -> bytes:
        subject = {"subject_type": "oauth_token", "token_type": "refresh_token",
                   "token_identifier_alg": "hash_base64_sha512_sha512", "token": identifier}  # fmt: skip
        return _signed_by_google(
            live,
            {
                "iss": issuer,
                "aud": live.settings.google_client_id,
                "iat": int(time.time()),
                "jti": str(uuid.uuid4()),
                "events": {TOKEN_REVOKED: {"subject": subject}},
            },
        )

    url = f"{live.backend_url}/webhooks/google_meet"
    headers = {"Content-Type": "application/secevent+jwt"}
    assert httpx.post(url, content=event(once), headers=headers).status_code == 202
    assert _annas_connection(live) != []  # a single hash names no token of ours
    twice = base64.b64encode(hashlib.sha512(hashlib.sha512(refresh_token.encode()).digest()).digest()).decode()
    assert httpx.post(url, content=event(twice), headers=headers).status_code == 202
    assert _annas_connection(live) == []


def test_an_event_replayed_days_later_is_not_acted_on_again(live: LiveServers, make_extension_user: MakeUser) -> None:
    _anna(live, make_extension_user)
    anna = make_extension_user("anna")  # her browser, to connect again
    [connection] = _annas_connection(live)
    issuer = httpx.get(f"{live.settings.google_accounts_url}/.well-known/risc-configuration").json()["issuer"]
    made_two_days_ago = int(time.time()) - 2 * 86400  # Google's events are accepted for 7 days
    subject = {"subject_type": "iss-sub", "iss": issuer, "sub": connection.provider_user_id}
    claims = {"iss": issuer, "aud": live.settings.google_client_id, "iat": made_two_days_ago,
              "jti": str(uuid.uuid4()), "events": {TOKENS_REVOKED: {"subject": subject}}}  # fmt: skip
    event = _signed_by_google(live, claims)
    url, headers = f"{live.backend_url}/webhooks/google_meet", {"Content-Type": "application/secevent+jwt"}
    assert httpx.post(url, content=event, headers=headers).status_code == 202
    assert _annas_connection(live) == []
    change_rows(live.settings, WebhookReceipt, {"received_at": datetime.now(UTC) - timedelta(days=2)})
    other = {**claims, "iat": int(time.time()), "jti": str(uuid.uuid4()),
             "events": {TOKENS_REVOKED: {"subject": {**subject, "sub": "someone-we-do-not-hold"}}}}  # fmt: skip
    assert httpx.post(url, content=_signed_by_google(live, other), headers=headers).status_code == 202
    assert connect_user(anna.browser, live, GOOGLE_MEET, "anna@demo.example").status_code == 200

    replayed = httpx.post(url, content=event, headers=headers)

    assert replayed.status_code == 202
    assert _annas_connection(live) != []  # her new connection stays


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

    assert answer.status_code == 400  # RFC 8935 2.3, and Google's page: a key it does not list is answered 400
    assert answer.json()["err"] == "invalid_key"
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

    assert answer.status_code == 400
    assert answer.json() == {"err": "invalid_key", "description": "The security event's signature is not Google's."}
    assert _annas_connection(live) != []


@pytest.mark.parametrize(
    ("body", "err"),
    [
        (b"", "invalid_request"),
        (b"not a token", "invalid_request"),
        (b"a.b.c", "invalid_request"),
        (b"\xff\xfe.\x00.\x01", "invalid_request"),
    ],
)
def test_what_is_not_a_security_event_token_is_answered_400(live: LiveServers, body: bytes, err: str) -> None:
    answer = httpx.post(f"{live.backend_url}/webhooks/google_meet", content=body,
                        headers={"Content-Type": "application/secevent+jwt"})  # fmt: skip

    assert answer.status_code == 400, answer.text
    assert answer.json()["err"] == err


@pytest.mark.parametrize(
    ("change", "err"),
    [
        ({"iss": "https://attacker.example/"}, "invalid_issuer"),
        ({"aud": "someone-else.apps.googleusercontent.com"}, "invalid_audience"),
        ({"iat": "yesterday"}, "invalid_request"),
        ({"jti": None}, "invalid_request"),
        ({"events": "tokens-revoked"}, "invalid_request"),
        ({"events": {TOKENS_REVOKED: "anna"}}, None),
        ({"events": {TOKENS_REVOKED: {"subject": ["anna"]}}}, None),
        ({"events": {TOKEN_REVOKED: {"subject": {"subject_type": "oauth_token", "token": 7}}}}, None),
    ],
    ids=["issuer", "audience", "iat", "jti", "events", "event", "subject", "token"],
)
def test_odd_security_events_are_refused_or_ignored_never_a_server_error(
    live: LiveServers, make_extension_user: MakeUser, change: dict[str, Any], err: str | None
) -> None:
    _anna(live, make_extension_user)
    issuer = httpx.get(f"{live.settings.google_accounts_url}/.well-known/risc-configuration").json()["issuer"]
    claims = {"iss": issuer, "aud": live.settings.google_client_id, "iat": int(time.time()), "jti": str(uuid.uuid4()),
              "events": {TOKENS_REVOKED: {"subject": {"subject_type": "iss-sub", "sub": "x"}}}}  # fmt: skip

    answer = httpx.post(f"{live.backend_url}/webhooks/google_meet", content=_signed_by_google(live, claims | change),
                        headers={"Content-Type": "application/secevent+jwt"})  # fmt: skip

    assert answer.status_code == (400 if err else 202), answer.text
    if err:
        assert answer.json()["err"] == err
    assert _annas_connection(live) != []
