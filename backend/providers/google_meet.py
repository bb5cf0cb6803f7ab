"""Google Meet: Google's OAuth 2.0 and the Meet REST API v2 (spaces); Cross-Account Protection (RISC) events.

Google's ways, hidden here: a refresh token comes only with ``access_type=offline`` and a consent screen that was
shown, so we always ask with ``prompt=consent``; refresh tokens do not rotate. A Meet space has no time: moving or
renaming the appointment changes nothing at Google and the link stays valid. A space cannot be deleted: removing a
meeting ends any running conference and makes the space RESTRICTED, so the old link no longer lets outsiders in.
The space's ``name`` (``spaces/...``) is stored, never its meeting code (codes can expire and be reused).
When a user removes our access in their Google account, Google's RISC service posts a signed security event token
(``tokens-revoked`` / ``token-revoked``), verified here against the keys named in Google's RISC configuration.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, InvalidKeyIdError, JoseError, UnsupportedAlgorithmError
from joserfc.jwk import KeySet

from backend.models import ProviderKind
from backend.providers import risc as risc_events
from backend.providers.base import (
    CompanySetting,
    ErrorKind,
    Grant,
    MeetingDetails,
    ProviderAccount,
    ProviderError,
    ProviderEvent,
    ProviderMeeting,
    WebhookRejected,
)
from backend.providers.calls import bearer_call, call, grant_from, json_object

NAME = "Google Meet"
MEET_SCOPE = "https://www.googleapis.com/auth/meetings.space.created"
SCOPES = f"openid email {MEET_SCOPE}"
RECONNECT = "Your Google connection no longer works. Connect your Google account again."
FORBIDDEN = (
    "Google does not let your account do this (the meeting may belong to another Google account, or creating Meet "
    "meetings was not allowed). Connect your Google account again and allow creating Meet meetings."
)
ACCESS_CHOICES = (
    ("trusted", "Trusted: people in your organization join directly; others ask to join"),
    ("open", "Open: anyone with the link joins without asking"),
    ("restricted", "Restricted: only invited people join directly; everyone else asks"),
)
EVENT_MAX_AGE = timedelta(days=7)
"""Google retries for a while: an event delivered late must still delete the data (replays are caught by ``jti``)."""
DISCOVERY_LIFETIME_SECONDS = 3600
KEY_REFETCH_SECONDS = 60
"""An unknown key id fetches Google's keys again at most once a minute (forged events cannot make us hammer Google)."""


@dataclass(frozen=True, repr=False)
class GoogleMeetConfig:
    accounts_url: str
    """``https://accounts.google.com`` (consent page, OpenID and RISC configuration)."""
    oauth2_url: str
    """``https://oauth2.googleapis.com`` (``/token``, ``/revoke``)."""
    meet_url: str
    """``https://meet.googleapis.com`` (the adapter adds ``/v2``)."""
    client_id: str
    client_secret: str


class GoogleMeetProvider:
    kind = ProviderKind.GOOGLE_MEET
    name = NAME
    company_setting = CompanySetting(
        name="access_type",
        label="Who can join without asking",
        help="Google Meet's access type for every meeting made from SuperOffice.",
        choices=ACCESS_CHOICES,
    )
    schedule_at_provider = False
    webhook_ack_status = 202  # RFC 8935: a security event token is acknowledged with 202 Accepted
    webhook_max_age = EVENT_MAX_AGE

    def __init__(self, config: GoogleMeetConfig, http: httpx.AsyncClient) -> None:
        self._config = config
        self._http = http
        self._documents: dict[str, tuple[float, dict[str, Any]]] = {}
        self._risc_keys: KeySet | None = None
        self._risc_keys_at = 0.0

    def __repr__(self) -> str:
        return f"GoogleMeetProvider(meet_url={self._config.meet_url!r})"

    # OAuth

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        query = {
            "client_id": self._config.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPES,
            "access_type": "offline",
            "prompt": "consent",  # without a shown consent screen Google issues no refresh token
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        return f"{self._config.accounts_url}/o/oauth2/v2/auth?{urlencode(query, quote_via=quote)}"

    async def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": code_verifier}  # fmt: skip
        grant = await self._token(form)
        if MEET_SCOPE not in grant.scope.split():  # Google's consent lets people untick single permissions
            raise ProviderError(
                ErrorKind.REJECTED,
                "Google Meet was not connected: the permission to create Meet meetings was not ticked. "
                "Start again and allow every permission asked for.",
            )
        return grant

    async def refresh(self, refresh_token: str) -> Grant:
        # Google's refresh tokens do not rotate: the answer has none, and the caller keeps the one it has.
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def revoke(self, token: str) -> None:
        response = await call(
            NAME, lambda: self._http.post(f"{self._config.oauth2_url}/revoke", data={"token": token}), idempotent=True
        )
        if response.status_code >= 400 and json_object(response).get("error") != "invalid_token":
            raise ProviderError(ErrorKind.REJECTED, "Google did not revoke the access.",
                                detail={"status": response.status_code})  # fmt: skip

    async def _token(self, form: dict[str, str]) -> Grant:
        credentials = {"client_id": self._config.client_id, "client_secret": self._config.client_secret}
        response = await call(
            NAME,
            lambda: self._http.post(f"{self._config.oauth2_url}/token", data={**form, **credentials}),
            idempotent=False,
        )
        body = json_object(response)
        if response.status_code == 400 and body.get("error") == "invalid_grant":
            raise ProviderError(ErrorKind.GRANT_REVOKED, RECONNECT, detail={"error": "invalid_grant"})
        if response.status_code >= 400 or "access_token" not in body:
            raise ProviderError(
                ErrorKind.REJECTED,
                "Google did not accept the authorization. Try connecting again.",
                detail={"status": response.status_code, "error": body.get("error", "")},
            )
        return grant_from(body)

    # The company setting: the spaces' access type

    def validate_company_setting(self, value: str) -> str:
        chosen = value.strip().lower()
        if chosen not in dict(ACCESS_CHOICES):
            raise ValueError("Choose who can join Google Meet meetings without asking.")
        return chosen

    def generate_company_setting(self) -> str:
        return ACCESS_CHOICES[0][0]

    # Meetings

    async def who_am_i(self, access_token: str) -> ProviderAccount:
        openid = await self._document(f"{self._config.accounts_url}/.well-known/openid-configuration")
        response = await call(
            NAME,
            lambda: self._http.get(openid["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}),
            idempotent=True,
        )
        if response.status_code >= 400:
            raise _refused(response)
        body = json_object(response)
        return ProviderAccount(
            id=str(body["sub"]), email=str(body.get("email") or ""), display_name=str(body.get("name") or "")
        )

    async def create_meeting(
        self, access_token: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting:
        access = str(company.get("access_type", "trusted")).upper()
        body = json_object(
            await self._meet("POST", "/spaces", access_token, json={"config": {"accessType": access}}, idempotent=False)
        )
        return ProviderMeeting(id=str(body["name"]), join_url=body["meetingUri"])

    async def update_meeting(
        self, access_token: str, meeting_id: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting | None:
        return None  # a space has no time or title: nothing to change at Google, and the link stays valid

    async def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        try:
            await self._meet("POST", f"/{meeting_id}:endActiveConference", access_token)
        except ProviderError as error:
            if error.kind not in (ErrorKind.NOT_FOUND, ErrorKind.REJECTED, ErrorKind.FORBIDDEN):
                raise  # REJECTED: no conference was running; FORBIDDEN: the space is not this account's any more
        try:
            await self._meet("PATCH", f"/{meeting_id}?updateMask=config.accessType", access_token,
                             json={"config": {"accessType": "RESTRICTED"}})  # fmt: skip
        except ProviderError as error:
            if error.kind not in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
                raise

    async def host_url(self, access_token: str, meeting_id: str) -> str:
        return str(json_object(await self._meet("GET", f"/{meeting_id}", access_token))["meetingUri"])

    async def _meet(
        self, method: str, path: str, access_token: str, *, json: Any = None, idempotent: bool = True
    ) -> httpx.Response:
        url = f"{self._config.meet_url}/v2{path}"
        return await bearer_call(
            NAME, self._http, method, url, access_token, refused=_refused, json=json, idempotent=idempotent
        )

    # Cross-Account Protection (RISC)

    async def read_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> tuple[ProviderEvent, str]:
        """A security event token: RS256, signed by a key of Google's RISC configuration, for our client id.

        A subject is ``iss-sub`` or ``id_token_claims`` (the user) for ``tokens-revoked``, ``oauth_token`` (one refresh
        token by ``prefix`` or ``hash_base64_sha512_sha512``) for ``token-revoked``."""
        try:
            risc = await self._document(f"{self._config.accounts_url}/.well-known/risc-configuration")
        except ProviderError as error:
            raise WebhookRejected("Google's RISC configuration could not be read to verify the event.") from error
        if not isinstance(risc.get("issuer"), str) or not risc.get("jwks_uri"):
            raise WebhookRejected("Google's RISC configuration names no issuer or keys.")
        claims = await self._verified(body.strip(), risc)
        registry = jwt.JWTClaimsRegistry(
            leeway=300,
            iss={"essential": True, "value": risc.get("issuer")},
            aud={"essential": True, "value": self._config.client_id},
            iat={"essential": True},
            jti={"essential": True},
        )
        try:
            registry.validate(claims)
        except ClaimError as error:
            code = {"iss": "invalid_issuer", "aud": "invalid_audience"}.get(error.claim, "invalid_request")
            raise WebhookRejected(f"The security event is not for this service ({error}).", code=code) from error
        except JoseError as error:
            raise WebhookRejected(f"The security event is malformed ({error}).", code="invalid_request") from error
        iat, jti = claims["iat"], claims["jti"]
        if not isinstance(iat, int | float) or not isinstance(jti, str):
            raise WebhookRejected("The security event's iat or jti is malformed.", code="invalid_request")
        if now.timestamp() - float(iat) > EVENT_MAX_AGE.total_seconds():
            raise WebhookRejected("The security event is too old.", code="invalid_request")
        digest = hashlib.sha256(f"risc:{jti}".encode()).hexdigest()
        return risc_events.event_in(claims), digest

    def webhook_refusal(self, error: WebhookRejected) -> tuple[int, dict[str, Any]]:
        return risc_events.refusal(error)

    async def _verified(self, token: bytes, risc: dict[str, Any]) -> dict[str, Any]:
        for refresh in (False, True):  # an unknown key id may be a rotated key: fetch the keys once more
            age = time.monotonic() - self._risc_keys_at
            stale = age > DISCOVERY_LIFETIME_SECONDS  # retired keys stop being trusted within the hour
            if self._risc_keys is None or stale or (refresh and age > KEY_REFETCH_SECONDS):
                try:
                    keys = await self._document(risc["jwks_uri"], fresh=True)
                    self._risc_keys, self._risc_keys_at = KeySet.import_key_set(keys), time.monotonic()
                except (ProviderError, JoseError, ValueError, KeyError, TypeError) as error:
                    raise WebhookRejected("Google's signing keys could not be read.", code="invalid_key") from error
            elif refresh:
                break
            try:
                return dict(jwt.decode(token, self._risc_keys, algorithms=["RS256"]).claims)
            except InvalidKeyIdError:
                continue
            except (BadSignatureError, UnsupportedAlgorithmError) as error:
                raise WebhookRejected("The security event's signature is not Google's.", code="invalid_key") from error
            except (JoseError, ValueError, TypeError) as error:
                raise WebhookRejected("The body is not a security event token.", code="invalid_request") from error
        raise WebhookRejected("The security event is signed with a key Google does not list.", code="invalid_key")

    async def _document(self, url: str, *, fresh: bool = False) -> dict[str, Any]:
        cached = self._documents.get(url)
        if cached and not fresh and time.monotonic() - cached[0] < DISCOVERY_LIFETIME_SECONDS:
            return cached[1]
        response = await call(NAME, lambda: self._http.get(url), idempotent=True)
        if response.status_code >= 400:
            raise _refused(response)
        document = json_object(response)
        self._documents[url] = (time.monotonic(), document)
        return document


def _refused(response: httpx.Response) -> ProviderError:
    error = json_object(response).get("error") or {}
    status, message = (error.get("status", ""), error.get("message", "")) if isinstance(error, dict) else ("", "")
    detail = {"status": response.status_code, "code": status}
    if response.status_code == 401:
        return ProviderError(ErrorKind.UNAUTHORIZED, RECONNECT, detail=detail)
    if response.status_code == 403:
        return ProviderError(ErrorKind.FORBIDDEN, FORBIDDEN, detail=detail)
    if response.status_code == 404:
        return ProviderError(ErrorKind.NOT_FOUND, "Google Meet no longer has this meeting.", detail=detail)
    return ProviderError(
        ErrorKind.REJECTED, f"Google Meet refused the meeting: {message or status or 'no reason given'}.", detail=detail
    )
