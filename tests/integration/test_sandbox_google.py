"""The Google emulator keeps Google's contract (OAuth 2.0, Meet REST v2, errors, faults, Cross-Account Protection),
over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from backend.sandbox.app import SandboxConfig, create_sandbox_app
from backend.sandbox.google.apps import GoogleClient
from backend.server import Site, bind_socket, serving_in_background
from tests.support.google import arm, consent, expire_access_tokens, held_spaces, join, revoke_user
from tests.support.live import LiveServers

MEET = "https://www.googleapis.com/auth/meetings.space.created"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
TOKENS_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked"
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


@dataclass(frozen=True)
class Registration:
    """A sandbox's Google and one client registered with it."""

    sandbox_url: str
    client_id: str
    client_secret: str
    redirect_uri: str

    @property
    def accounts(self) -> str:
        return f"{self.sandbox_url}/google/accounts"

    @property
    def oauth2(self) -> str:
        return f"{self.sandbox_url}/google/oauth2"

    @property
    def meet(self) -> str:
        return f"{self.sandbox_url}/google/meet/v2"

    def authorization_url(self, **extra: str) -> str:
        params = {"client_id": self.client_id, "redirect_uri": self.redirect_uri, "response_type": "code",
                  "scope": f"openid email {MEET}", "state": "st", "access_type": "offline", "prompt": "consent",
                  "code_challenge": CHALLENGE, "code_challenge_method": "S256", **extra}  # fmt: skip
        return str(httpx.URL(f"{self.accounts}/o/oauth2/v2/auth", params=params))

    def token(self, **form: str) -> httpx.Response:
        return httpx.post(f"{self.oauth2}/token", data={"client_id": self.client_id,
                                                        "client_secret": self.client_secret, **form})  # fmt: skip

    def exchange(self, back: httpx.URL) -> dict[str, Any]:
        answer = self.token(grant_type="authorization_code", code=back.params["code"],
                            redirect_uri=self.redirect_uri, code_verifier=VERIFIER)  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.json()

    def refresh(self, refresh_token: str) -> httpx.Response:
        return self.token(grant_type="refresh_token", refresh_token=refresh_token)


@pytest.fixture
def google(live: LiveServers) -> Registration:
    settings = live.settings
    assert settings.google_client_secret is not None
    assert settings.google_accounts_url == f"{live.sandbox_url}/google/accounts"
    return Registration(live.sandbox_url, settings.google_client_id, settings.google_client_secret.get_secret_value(),
                        settings.connect_callback_url("google_meet"))  # fmt: skip


def _tokens(live: LiveServers, google: Registration, email: str = "anna@demo.example", **extra: str) -> dict[str, Any]:
    return google.exchange(consent(live, google.authorization_url(**extra), email))


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _keys(sandbox_url: str, configuration: str) -> KeySet:
    jwks_uri = httpx.get(f"{sandbox_url}/google/accounts/.well-known/{configuration}").json()["jwks_uri"]
    return KeySet.import_key_set(httpx.get(jwks_uri).json())


# OAuth


def test_the_consent_page_lists_the_scopes_and_asks_for_an_email(live: LiveServers, google: Registration) -> None:
    page = httpx.get(google.authorization_url())

    assert page.status_code == 200
    assert "wants access to your Google Account" in page.text
    assert "Create, edit, and see information about your Google Meet conferences created by the app" in page.text
    assert "See your primary Google Account email address" in page.text
    for control in ('<label for="google-email">Email</label>', ">Allow</button>", ">Deny</button>"):
        assert control in page.text


def test_a_wrong_client_or_redirect_is_an_error_page_not_a_redirect(google: Registration) -> None:
    unknown = httpx.get(google.authorization_url(client_id="nobody.apps.googleusercontent.com"))
    elsewhere = httpx.get(google.authorization_url(redirect_uri="https://evil.example/callback"))
    no_scope = httpx.get(google.authorization_url(scope=""))

    assert (unknown.status_code, "Error 401: invalid_client" in unknown.text) == (401, True)
    assert (elsewhere.status_code, "Error 400: redirect_uri_mismatch" in elsewhere.text) == (400, True)
    assert (no_scope.status_code, "Missing required parameter: scope" in no_scope.text) == (400, True)
    assert "location" not in elsewhere.headers


def test_deny_and_a_bad_email(google: Registration) -> None:
    form = dict(httpx.URL(google.authorization_url()).params)

    denied = httpx.post(f"{google.accounts}/o/oauth2/v2/auth", data={**form, "decision": "deny"})
    no_email = httpx.post(f"{google.accounts}/o/oauth2/v2/auth", data={**form, "email": "anna", "decision": "allow"})

    assert denied.headers["location"] == f"{google.redirect_uri}?error=access_denied&state=st"
    assert no_email.status_code == 400
    assert "Enter the email address of your Google Account." in no_email.text


def test_offline_consent_gives_a_refresh_token_that_is_never_rotated(live: LiveServers, google: Registration) -> None:
    back = consent(live, google.authorization_url(), "anna@demo.example")
    assert (back.params["state"], back.params["prompt"]) == ("st", "consent")
    wrong_verifier = google.token(grant_type="authorization_code", code=back.params["code"],
                                  redirect_uri=google.redirect_uri, code_verifier="w" * 64)  # fmt: skip
    assert wrong_verifier.json() == {"error": "invalid_grant", "error_description": "Bad Request"}

    back = consent(live, google.authorization_url(), "anna@demo.example")
    tokens = google.exchange(back)
    replayed = google.token(grant_type="authorization_code", code=back.params["code"],
                            redirect_uri=google.redirect_uri, code_verifier=VERIFIER)  # fmt: skip

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3599
    assert MEET in tokens["scope"].split()
    assert tokens["refresh_token"]
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")
    for _ in range(2):
        refreshed = google.refresh(tokens["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        assert "refresh_token" not in refreshed.json()
        assert refreshed.json()["access_token"] != tokens["access_token"]


def test_a_bad_client_secret_is_invalid_client(google: Registration) -> None:
    refused = httpx.post(f"{google.oauth2}/token", data={"grant_type": "refresh_token", "refresh_token": "x"},
                         auth=(google.client_id, "wrong"))  # fmt: skip

    assert refused.status_code == 401
    assert refused.json() == {"error": "invalid_client", "error_description": "Unauthorized"}


def test_a_second_authorization_without_prompt_consent_gets_no_refresh_token(
    live: LiveServers, google: Registration
) -> None:
    with httpx.Client(timeout=10) as browser:
        first = google.exchange(consent(live, google.authorization_url(), "anna@demo.example", browser))
        again = consent(live, google.authorization_url(prompt=""), "anna@demo.example", browser)
        second = google.exchange(again)
        forced = google.exchange(consent(live, google.authorization_url(), "anna@demo.example", browser))

    assert "refresh_token" in first
    assert again.params["prompt"] == "none"  # the page was skipped
    assert "refresh_token" not in second
    assert second["access_token"]
    assert "refresh_token" in forced


def test_revoking_a_token_ends_the_grant(live: LiveServers, google: Registration) -> None:
    tokens = _tokens(live, google)

    revoked = httpx.post(f"{google.oauth2}/revoke", params={"token": tokens["refresh_token"]})
    again = httpx.post(f"{google.oauth2}/revoke", data={"token": tokens["refresh_token"]})

    assert (revoked.status_code, revoked.json()) == (200, {})
    assert again.json() == {"error": "invalid_token", "error_description": "Token expired or revoked"}
    refused = google.refresh(tokens["refresh_token"])
    assert (refused.status_code, refused.json()) == (
        400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    )  # fmt: skip
    meet = httpx.post(f"{google.meet}/spaces", headers=_bearer(tokens))
    assert (meet.status_code, meet.json()["error"]["status"]) == (401, "UNAUTHENTICATED")


def test_the_id_token_verifies_against_the_published_keys(live: LiveServers, google: Registration) -> None:
    tokens = _tokens(live, google)

    claims = jwt.decode(tokens["id_token"], _keys(live.sandbox_url, "openid-configuration"), algorithms=["RS256"])

    assert claims.claims["iss"] == google.accounts
    assert claims.claims["aud"] == google.client_id
    assert re.fullmatch(r"\d{21}", claims.claims["sub"])
    assert (claims.claims["email"], claims.claims["email_verified"]) == ("anna@demo.example", True)
    assert claims.claims["exp"] > claims.claims["iat"]
    info = httpx.get(f"{live.sandbox_url}/google/openidconnect/v1/userinfo", headers=_bearer(tokens)).json()
    assert info == {"sub": claims.claims["sub"], "email": "anna@demo.example", "email_verified": True}


def test_an_armed_token_fault_answers_the_next_refresh(live: LiveServers, google: Registration) -> None:
    tokens = _tokens(live, google)
    arm(live, "rate_limited", target="token", retry_after_seconds=4)
    arm(live, "invalid_grant", target="token")

    limited = google.refresh(tokens["refresh_token"])
    refused = google.refresh(tokens["refresh_token"])
    fine = google.refresh(tokens["refresh_token"])

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "4")
    assert refused.json()["error"] == "invalid_grant"
    assert fine.status_code == 200


# Meet


def test_a_space_is_created_read_and_its_access_changed(live: LiveServers, google: Registration) -> None:
    auth = _bearer(_tokens(live, google))

    space = httpx.post(f"{google.meet}/spaces", headers=auth).json()
    assert re.fullmatch(r"spaces/\w{12}", space["name"])
    assert re.fullmatch(r"[a-z]{3}-[a-z]{4}-[a-z]{3}", space["meetingCode"])
    assert space["meetingUri"] == f"{live.sandbox_url}/google/meet/{space['meetingCode']}"
    assert space["config"] == {"accessType": "TRUSTED", "entryPointAccess": "ALL"}
    by_code = httpx.get(f"{google.meet}/spaces/{space['meetingCode']}", headers=auth).json()
    assert by_code == httpx.get(f"{google.meet}/{space['name']}", headers=auth).json() == space

    url = f"{google.meet}/{space['name']}"
    body = {"config": {"accessType": "RESTRICTED"}}
    patched = httpx.patch(url, params={"updateMask": "config.accessType"}, json=body, headers=auth)
    assert patched.json()["config"] == {"accessType": "RESTRICTED", "entryPointAccess": "ALL"}
    page = httpx.get(space["meetingUri"])
    assert "Google Meet (sandbox)" in page.text
    assert space["meetingCode"] in page.text
    assert "outsiders cannot join" in page.text
    [held] = held_spaces(live)
    assert (held["owner_email"], held["accessType"], held["active_conference"]) == (
        "anna@demo.example", "RESTRICTED", None
    )  # fmt: skip


@pytest.mark.parametrize(
    ("mask", "body", "message"),
    [("config.colour", {"config": {"accessType": "OPEN"}}, "Invalid update mask path"),
     ("config.accessType", {"config": {"accessType": "WIDE_OPEN"}}, "Invalid value at 'space.config.access_type'"),
     ("config.accessType", {"settings": {}}, 'Unknown name "settings"')],
)  # fmt: skip
def test_a_wrong_update_is_invalid_argument(
    live: LiveServers, google: Registration, mask: str, body: dict[str, Any], message: str
) -> None:
    auth = _bearer(_tokens(live, google))
    space = httpx.post(f"{google.meet}/spaces", json={"config": {"accessType": "OPEN"}}, headers=auth).json()

    refused = httpx.patch(f"{google.meet}/{space['name']}", params={"updateMask": mask}, json=body, headers=auth)

    assert refused.status_code == 400
    assert refused.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert message in refused.json()["error"]["message"]
    assert httpx.get(f"{google.meet}/{space['name']}", headers=auth).json()["config"]["accessType"] == "OPEN"


def test_an_active_conference_is_ended_after_someone_joined(live: LiveServers, google: Registration) -> None:
    auth = _bearer(_tokens(live, google))
    space = httpx.post(f"{google.meet}/spaces", json={}, headers=auth).json()
    end = f"{google.meet}/{space['name']}:endActiveConference"

    nothing_running = httpx.post(end, headers=auth)
    joined = join(live, space["name"])
    running = httpx.get(f"{google.meet}/{space['name']}", headers=auth).json()
    ended = httpx.post(end, headers=auth)

    assert (nothing_running.status_code, nothing_running.json()["error"]["status"]) == (400, "FAILED_PRECONDITION")
    assert running["activeConference"]["conferenceRecord"].startswith("conferenceRecords/")
    assert running["activeConference"] == joined["activeConference"]
    assert (ended.status_code, ended.json()) == (200, {})
    assert "activeConference" not in httpx.get(f"{google.meet}/{space['name']}", headers=auth).json()
    assert httpx.delete(f"{google.meet}/{space['name']}", headers=auth).status_code in (404, 405)  # no delete


def test_without_the_meet_scope_the_api_answers_403(live: LiveServers, google: Registration) -> None:
    auth = _bearer(_tokens(live, google, scope="openid email"))

    refused = httpx.post(f"{google.meet}/spaces", headers=auth)

    assert refused.status_code == 403
    assert refused.json()["error"]["status"] == "PERMISSION_DENIED"
    assert refused.json()["error"]["message"] == "Request had insufficient authentication scopes."


def test_another_users_space_is_permission_denied(live: LiveServers, google: Registration) -> None:
    anna = _bearer(_tokens(live, google, "anna@demo.example"))
    bjorn = _bearer(_tokens(live, google, "bjorn@demo.example"))
    space = httpx.post(f"{google.meet}/spaces", headers=anna).json()

    theirs = httpx.get(f"{google.meet}/{space['name']}", headers=bjorn)
    unknown = httpx.get(f"{google.meet}/spaces/AAAAAAAAAAAA", headers=anna)

    assert (theirs.status_code, theirs.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert (unknown.status_code, unknown.json()["error"]["status"]) == (404, "NOT_FOUND")


def test_armed_api_faults_answer_as_google_does(live: LiveServers, google: Registration) -> None:
    auth = _bearer(_tokens(live, google))
    arm(live, "rate_limited", retry_after_seconds=3)
    arm(live, "server_error")

    limited = httpx.post(f"{google.meet}/spaces", headers=auth)
    failing = httpx.post(f"{google.meet}/spaces", headers=auth)
    fine = httpx.post(f"{google.meet}/spaces", headers=auth)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.json()["error"]["code"] == 429
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert (failing.status_code, failing.json()["error"]["status"]) == (503, "UNAVAILABLE")
    assert fine.status_code == 200


def test_expired_access_tokens_are_refused_until_refreshed(live: LiveServers, google: Registration) -> None:
    tokens = _tokens(live, google)

    assert expire_access_tokens(live, "anna@demo.example") == 1
    refused = httpx.post(f"{google.meet}/spaces", headers=_bearer(tokens))
    fresh = google.refresh(tokens["refresh_token"]).json()

    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert httpx.post(f"{google.meet}/spaces", headers=_bearer(fresh)).status_code == 200


# Cross-Account Protection (RISC): a sandbox of our own whose client's receiver is a tiny server in this test.


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append((self.headers.get("Content-Type", ""), body))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    received: list[tuple[str, bytes]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/google_meet", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def risc_google(tmp_path: Path, receiver: tuple[str, list[tuple[str, bytes]]]) -> Iterator[Registration]:
    sock = bind_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = GoogleClient("risc-test.apps.googleusercontent.com", "risc-secret", ("http://127.0.0.1:9/callback",),
                          risc_receiver_url=receiver[0])  # fmt: skip
    config = SandboxConfig(tmp_path / "sandbox", url, "http://127.0.0.1:9", b"s" * 32, google_clients=(client,))
    with serving_in_background([Site(create_sandbox_app(config), sock)]):
        yield Registration(url, client.client_id, client.client_secret, client.redirect_uris[0])


def _allow(google: Registration, email: str) -> dict[str, Any]:
    form = {**dict(httpx.URL(google.authorization_url()).params), "email": email, "decision": "allow"}
    back = httpx.post(f"{google.accounts}/o/oauth2/v2/auth", data=form)
    return google.exchange(httpx.URL(back.headers["location"]))


def test_revoking_a_user_sends_a_signed_tokens_revoked_event(
    risc_google: Registration, receiver: tuple[str, list[tuple[str, bytes]]]
) -> None:
    tokens = _allow(risc_google, "anna@demo.example")

    answer = httpx.post(f"{risc_google.sandbox_url}/google/_sandbox/revoke-user", json={"email": "anna@demo.example"})

    url, received = receiver
    assert answer.json()["receivers"] == [{"url": url, "status": 202}]
    [(content_type, body)] = received
    assert content_type == "application/secevent+jwt"
    event = jwt.decode(body, _keys(risc_google.sandbox_url, "risc-configuration"), algorithms=["RS256"]).claims
    issuer = f"{risc_google.sandbox_url}/google/accounts/"
    assert (event["iss"], event["aud"]) == (issuer, risc_google.client_id)
    assert event["jti"] and event["iat"]
    subject = event["events"][TOKENS_REVOKED]["subject"]
    assert subject == {"subject_type": "iss-sub", "iss": issuer, "sub": answer.json()["sub"]}
    assert risc_google.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_tokens_revoked_event_may_name_the_user_by_id_token_claims(
    risc_google: Registration, receiver: tuple[str, list[tuple[str, bytes]]]
) -> None:
    """The RISC page: "When the subject_type of the claim is id_token_claims, it might also include an email field"."""
    _allow(risc_google, "anna@demo.example")
    body = {"email": "anna@demo.example", "subject_type": "id_token_claims"}

    answer = httpx.post(f"{risc_google.sandbox_url}/google/_sandbox/revoke-user", json=body)

    [(_, token)] = receiver[1]
    event = jwt.decode(token, _keys(risc_google.sandbox_url, "risc-configuration"), algorithms=["RS256"]).claims
    subject = event["events"][TOKENS_REVOKED]["subject"]
    assert subject == {"subject_type": "id_token_claims", "sub": answer.json()["sub"], "email": "anna@demo.example"}


@pytest.mark.parametrize("alg", ["hash_base64_sha512_sha512", "prefix"])
def test_revoking_one_refresh_token_names_it_by_googles_token_identifier(
    risc_google: Registration, receiver: tuple[str, list[tuple[str, bytes]]], alg: str
) -> None:
    """developers.google.com/identity/protocols/risc, "OAuth token identifiers": the first 16 characters, or the
    base64 of SHA-512 applied twice."""
    tokens = _allow(risc_google, "anna@demo.example")

    httpx.post(f"{risc_google.sandbox_url}/google/_sandbox/revoke-token",
               json={"refresh_token": tokens["refresh_token"], "token_identifier_alg": alg})  # fmt: skip

    [(_, body)] = receiver[1]
    event = jwt.decode(body, _keys(risc_google.sandbox_url, "risc-configuration"), algorithms=["RS256"]).claims
    subject = event["events"][TOKEN_REVOKED]["subject"]
    twice = hashlib.sha512(hashlib.sha512(tokens["refresh_token"].encode()).digest()).digest()
    identifier = tokens["refresh_token"][:16] if alg == "prefix" else base64.b64encode(twice).decode()
    assert subject == {"subject_type": "oauth_token", "token_type": "refresh_token",
                       "token_identifier_alg": alg, "token": identifier}  # fmt: skip
    assert risc_google.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoke_user_helper_reports_the_live_backends_receiver(live: LiveServers, google: Registration) -> None:
    tokens = _tokens(live, google)

    result = revoke_user(live, "anna@demo.example")

    assert [receiver["url"] for receiver in result["receivers"]] == [f"{live.backend_url}/webhooks/google_meet"]
    assert google.refresh(tokens["refresh_token"]).status_code == 400
