"""Google's documented RISC samples against our receiver, and the Meet emulator against Meet's discovery document.

Sources: ``samples/google/risc_*.json`` (developers.google.com/identity/protocols/risc) and
``samples/google/meet-v2-discovery-extract.json`` (googleapis/google-api-go-client ``meet/v2/meet-api.json``).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from backend.models import UserConnection
from backend.providers.base import MeetingDetails, risc_token_identifier
from backend.security import TokenCipher
from tests.contracts.provider_samples import (
    google_adapter,
    grant,
    problems,
    recorded_http,
    request_schema,
    response_schema,
)
from tests.contracts.shapes import sample
from tests.integration import conftest as integration
from tests.integration.conftest import MakeUser
from tests.support.google import join
from tests.support.live import LiveServers
from tests.support.providers import GOOGLE_MEET, set_up_company
from tests.support.rows import rows

make_extension_user = integration.make_extension_user  # the fixture, shared with the integration tests


def _delivered(live: LiveServers, documented: dict[str, Any]) -> httpx.Response:
    """The documented token, addressed to this deployment (our client id, this Google's issuer, now) and signed with
    the emulator's key as only Google could sign it, POSTed to our receiver as RFC 8935 push delivery."""
    issuer = httpx.get(f"{live.settings.google_accounts_url}/.well-known/risc-configuration").json()["issuer"]
    claims = documented | {"iss": issuer, "aud": live.settings.google_client_id, "iat": int(time.time()),
                           "jti": f"{documented['jti']}-{uuid.uuid4()}"}  # fmt: skip
    key = RSAKey.import_key(json.loads((live.settings.data_dir / "sandbox" / "google_signing_key.json").read_text()))
    token = jwt.encode({"alg": "RS256", "kid": key.kid or "", "typ": "JWT"}, claims, key)
    return httpx.post(f"{live.backend_url}/webhooks/google_meet", content=token,
                      headers={"Content-Type": "application/secevent+jwt"})  # fmt: skip


def _anna(live: LiveServers, make_extension_user: MakeUser) -> UserConnection:
    set_up_company(live, GOOGLE_MEET)
    make_extension_user("anna", provider=GOOGLE_MEET, provider_email="anna@demo.example")
    [connection] = [c for c in rows(live.settings, UserConnection) if c.associate_id == 2]
    return connection


def test_the_documented_account_disabled_sample_is_accepted_and_changes_nothing(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    connection = _anna(live, make_extension_user)
    documented = sample("google/risc_account_disabled")
    subject = next(iter(documented["events"].values()))["subject"]
    subject["sub"] = connection.provider_user_id

    answer = _delivered(live, documented)

    assert answer.status_code == 202  # accepted: valid, but not an event that ends our grant
    assert [c.id for c in rows(live.settings, UserConnection) if c.associate_id == 2] == [connection.id]


@pytest.mark.parametrize("alg", ["hash_base64_sha512_sha512", "prefix"])
def test_a_token_revoked_event_in_the_documented_form_removes_the_grant(
    live: LiveServers, make_extension_user: MakeUser, alg: str
) -> None:
    connection = _anna(live, make_extension_user)
    refresh_token = TokenCipher.for_settings(live.settings).decrypt(connection.refresh_token_encrypted) or ""
    documented = sample("google/risc_token_revoked")
    subject = next(iter(documented["events"].values()))["subject"]
    subject |= {"token_identifier_alg": alg, "token": risc_token_identifier(alg, refresh_token)}

    assert _delivered(live, documented).status_code == 202
    assert [c for c in rows(live.settings, UserConnection) if c.associate_id == 2] == []


def test_a_tokens_revoked_event_naming_the_user_by_id_token_claims_removes_the_grant(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    connection = _anna(live, make_extension_user)
    documented = sample("google/risc_tokens_revoked_id_token_claims")
    next(iter(documented["events"].values()))["subject"]["sub"] = connection.provider_user_id

    assert _delivered(live, documented).status_code == 202
    assert [c for c in rows(live.settings, UserConnection) if c.associate_id == 2] == []


def test_an_id_token_claims_subject_with_only_an_email_is_matched_by_the_accounts_address(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    _anna(live, make_extension_user)
    documented = sample("google/risc_tokens_revoked_id_token_claims")
    subject = next(iter(documented["events"].values()))["subject"]
    del subject["sub"]
    subject["email"] = "Anna@demo.example"

    assert _delivered(live, documented).status_code == 202
    assert [c for c in rows(live.settings, UserConnection) if c.associate_id == 2] == []


@pytest.mark.anyio
async def test_our_requests_and_the_emulators_answers_follow_meets_discovery_document(live: LiveServers) -> None:
    details = MeetingDetails(topic="Contract", start=datetime.now(UTC), duration_minutes=30)
    async with recorded_http() as (http, recorder):
        meet = google_adapter(live, http)
        token = (await grant(live, meet)).access_token
        space = await meet.create_meeting(token, details, {"access_type": "trusted"})
        await meet.host_url(token, space.id)
        join(live, space.id)
        await meet.delete_meeting(token, space.id)

    [create] = recorder.to("POST", "/v2/spaces")
    assert problems("google", request_schema("google", "spaces.create"), create.body) == []
    assert create.status == 200
    assert problems("google", response_schema("google", "spaces.create", "200"), create.answer) == []
    [read] = recorder.to("GET", f"/v2/{space.id}")
    assert problems("google", response_schema("google", "spaces.get", "200"), read.answer) == []
    [end] = recorder.to("POST", f"/v2/{space.id}:endActiveConference")
    assert problems("google", request_schema("google", "spaces.endActiveConference"), end.body or {}) == []
    assert problems("google", response_schema("google", "spaces.endActiveConference", "200"), end.answer) == []
    [patch] = recorder.to("PATCH", f"/v2/{space.id}")
    assert patch.url.params["updateMask"] == "config.accessType"
    assert problems("google", request_schema("google", "spaces.patch"), patch.body) == []
    assert problems("google", response_schema("google", "spaces.patch", "200"), patch.answer) == []
    assert patch.answer["config"]["accessType"] == "RESTRICTED"
