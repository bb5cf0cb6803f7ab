"""Zoom: OAuth (``zoom.us/oauth``) and the Meetings API (``api.zoom.us/v2``), user-level app (``users/me``).

Zoom's ways, hidden here: refresh tokens rotate and the old one dies at once (the caller refreshes single-flight);
a moved meeting is PATCHed in place (204, the join link stays); the host's ``start_url`` carries a short-lived ZAK,
so it is fetched fresh each time; a meeting needs the company passcode (at most 10 characters).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from backend.models import ProviderKind
from backend.providers.base import (
    CompanySetting,
    ErrorKind,
    Grant,
    MeetingDetails,
    OtherEvent,
    ProviderAccount,
    ProviderDeauthorized,
    ProviderError,
    ProviderEvent,
    ProviderMeeting,
    WebhookChallenge,
    WebhookRejected,
)
from backend.providers.calls import bearer_call, call, grant_from, json_object

NAME = "Zoom"
TOPIC_LIMIT = 200
AGENDA_LIMIT = 2000
PASSCODE = re.compile(r"^[A-Za-z0-9@\-_*]{6,10}$")
RECONNECT = "Your Zoom connection no longer works. Connect your Zoom account again."
WEBHOOK_SKEW = timedelta(minutes=5)
GONE = {(400, 3007), (400, 300)}
"""Zoom's refusals to delete a meeting that "has ended" (3007) or "is not found or has expired" (300)."""
IN_PROGRESS = 3002
RUNNING = "This Zoom meeting is going on right now. End it in Zoom first, then remove it here."


@dataclass(frozen=True, repr=False)
class ZoomConfig:
    oauth_url: str
    """``https://zoom.us`` (``/oauth/authorize``, ``/oauth/token``, ``/oauth/revoke``)."""
    api_url: str
    """``https://api.zoom.us/v2``."""
    client_id: str
    client_secret: str
    webhook_secret: str = ""
    """The app's secret token: Zoom signs its notifications with it."""


class ZoomProvider:
    kind = ProviderKind.ZOOM
    name = NAME
    company_setting = CompanySetting(
        name="passcode",
        label="Meeting passcode",
        help="Every Zoom meeting made from SuperOffice gets this passcode: 6 to 10 letters, digits or @ - _ *.",
        can_generate=True,
    )
    schedule_at_provider = True
    webhook_ack_status = 200
    webhook_max_age = WEBHOOK_SKEW

    def __init__(self, config: ZoomConfig, http: httpx.AsyncClient) -> None:
        self._config = config
        self._http = http

    def __repr__(self) -> str:
        return f"ZoomProvider(api_url={self._config.api_url!r})"

    # OAuth

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self._config.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        return f"{self._config.oauth_url}/oauth/authorize?{urlencode(query)}"

    async def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": code_verifier}  # fmt: skip
        return await self._token(form, idempotent=False)

    async def refresh(self, refresh_token: str) -> Grant:
        # Not repeated on a timeout: a refresh that reached Zoom has already killed this refresh token.
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, idempotent=False)

    async def revoke(self, token: str) -> None:
        """``POST /oauth/revoke?token=...`` (the token as a query parameter, as in Zoom's samples). A 400 means the
        token is not (any more) one Zoom knows: nothing left to revoke. Error bodies may not be JSON."""
        response = await call(
            NAME,
            lambda: self._http.post(
                f"{self._config.oauth_url}/oauth/revoke", params={"token": token}, auth=self._client_auth
            ),
            idempotent=True,
        )
        if response.status_code > 400:  # 400: a token Zoom does not know (any more)
            raise ProviderError(ErrorKind.REJECTED, "Zoom did not revoke the access.",
                                detail={"status": response.status_code, **_error_code(response)})  # fmt: skip

    async def _token(self, form: dict[str, str], *, idempotent: bool) -> Grant:
        response = await call(
            NAME,
            lambda: self._http.post(f"{self._config.oauth_url}/oauth/token", data=form, auth=self._client_auth),
            idempotent=idempotent,
        )
        body = json_object(response)
        if response.status_code == 400 and body.get("error") == "invalid_grant":
            raise ProviderError(ErrorKind.GRANT_REVOKED, RECONNECT, detail={"reason": body.get("reason", "")})
        if response.status_code >= 400 or "access_token" not in body:
            raise ProviderError(
                ErrorKind.REJECTED,
                "Zoom did not accept the authorization. Try connecting again.",
                detail={"status": response.status_code, "error": body.get("error", "")},
            )
        return grant_from(body)

    @property
    def _client_auth(self) -> tuple[str, str]:
        return (self._config.client_id, self._config.client_secret)

    # The company setting: the meeting passcode

    def validate_company_setting(self, value: str) -> str:
        passcode = value.strip()
        if not passcode:
            raise ValueError("Enter a meeting passcode, or click Generate.")
        if len(passcode) > 10:
            raise ValueError("Zoom passcodes can be at most 10 characters long.")
        if len(passcode) < 6:
            raise ValueError("Use at least 6 characters, so that the passcode is hard to guess.")
        if not PASSCODE.match(passcode):
            raise ValueError("Zoom passcodes may only contain letters, digits and @ - _ *.")
        return passcode

    def generate_company_setting(self) -> str:
        alphabet = string.ascii_letters + string.digits
        while True:
            passcode = "".join(secrets.choice(alphabet) for _ in range(10))
            if any(c.isdigit() for c in passcode) and any(c.isalpha() for c in passcode):
                return passcode

    # Meetings

    async def who_am_i(self, access_token: str) -> ProviderAccount:
        body = json_object(await self._api("GET", "/users/me", access_token))
        return ProviderAccount(
            id=str(body["id"]),
            email=body.get("email", ""),
            display_name=body.get("display_name") or f"{body.get('first_name', '')} {body.get('last_name', '')}",
            account_id=str(body.get("account_id", "")),
        )

    async def create_meeting(
        self, access_token: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting:
        payload = {**_schedule(details), "type": 2, "password": company.get("passcode", ""),
                   "settings": {"join_before_host": False}}  # fmt: skip
        body = json_object(await self._api("POST", "/users/me/meetings", access_token, json=payload, idempotent=False))
        return _meeting(body)

    async def update_meeting(
        self, access_token: str, meeting_id: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting | None:
        await self._api("PATCH", f"/meetings/{meeting_id}", access_token, json=_schedule(details))
        return None  # Zoom keeps the meeting's links when it is moved or renamed

    async def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        """Zoom refuses to delete a meeting that has ended (3007) or expired (300): it is gone for us all the same.
        One in progress (3002) cannot be removed until it ends."""
        try:
            await self._api("DELETE", f"/meetings/{meeting_id}", access_token)
        except ProviderError as error:
            if error.kind is ErrorKind.NOT_FOUND or (error.detail.get("status"), error.detail.get("code")) in GONE:
                return
            raise

    async def host_url(self, access_token: str, meeting_id: str) -> str:
        return str(json_object(await self._api("GET", f"/meetings/{meeting_id}", access_token))["start_url"])

    async def _api(
        self, method: str, path: str, access_token: str, *, json: Any = None, idempotent: bool = True
    ) -> httpx.Response:
        url = f"{self._config.api_url}{path}"
        return await bearer_call(
            NAME, self._http, method, url, access_token, refused=self._refused, json=json, idempotent=idempotent
        )

    def _refused(self, response: httpx.Response) -> ProviderError:
        body = json_object(response)
        code, message = body.get("code"), body.get("message", "")
        detail = {"status": response.status_code, "code": code}
        if response.status_code == 401:
            return ProviderError(ErrorKind.UNAUTHORIZED, RECONNECT, detail=detail)
        if response.status_code == 404:
            return ProviderError(ErrorKind.NOT_FOUND, "Zoom no longer has this meeting.", detail=detail)
        if (response.status_code, code) == (400, IN_PROGRESS):
            return ProviderError(ErrorKind.IN_PROGRESS, RUNNING, detail=detail)
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        problems = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))
        return ProviderError(
            ErrorKind.REJECTED, f"Zoom refused the meeting: {problems or message or 'no reason given'}.", detail=detail
        )

    # Webhooks

    async def read_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> tuple[ProviderEvent, str]:
        """Zoom's ``x-zm-signature``: ``v0=`` + HMAC-SHA256(secret, ``v0:{timestamp}:{body}``); 5 minutes of skew."""
        secret = self._config.webhook_secret.encode()
        signature = headers.get("x-zm-signature", "")
        timestamp = headers.get("x-zm-request-timestamp", "")
        if not secret or not signature or not timestamp.isdigit():
            raise WebhookRejected("The notification is not signed.")
        if abs(now.timestamp() - int(timestamp)) > WEBHOOK_SKEW.total_seconds():
            raise WebhookRejected("The notification is too old (or from the future).")
        expected = "v0=" + hmac.new(secret, f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise WebhookRejected("The notification's signature is not Zoom's.")
        try:
            message = json.loads(body)
        except ValueError:
            raise WebhookRejected("The notification is not JSON.") from None
        if not isinstance(message, dict):
            raise WebhookRejected("The notification is not a JSON object.")
        event, payload = str(message.get("event", "")), message.get("payload")
        payload = payload if isinstance(payload, dict) else {}
        digest = hashlib.sha256(signature.encode()).hexdigest()
        if event == "endpoint.url_validation":
            plain = str(payload.get("plainToken", ""))
            encrypted = hmac.new(secret, plain.encode(), hashlib.sha256).hexdigest()
            return WebhookChallenge({"plainToken": plain, "encryptedToken": encrypted}), digest
        if event == "app_deauthorized":
            return ProviderDeauthorized(str(payload.get("user_id", "")), str(payload.get("account_id", ""))), digest
        return OtherEvent(event), digest

    def webhook_refusal(self, error: WebhookRejected) -> tuple[int, dict[str, Any]]:
        return 401, {"error": "rejected", "message": str(error)}


def _error_code(response: httpx.Response) -> dict[str, Any]:
    body = json_object(response)
    return {"code": body.get("code") or body.get("error") or ""}


def _schedule(details: MeetingDetails) -> dict[str, Any]:
    return {
        "topic": (details.topic.strip() or "Meeting")[:TOPIC_LIMIT],
        "start_time": details.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": max(1, details.duration_minutes),
        "timezone": details.timezone or "UTC",
        "agenda": details.agenda[:AGENDA_LIMIT],
    }


def _meeting(body: dict[str, Any]) -> ProviderMeeting:
    return ProviderMeeting(id=str(body["id"]), join_url=body["join_url"], passcode=body.get("password", ""))
