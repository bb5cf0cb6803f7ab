"""Microsoft Teams: the identity platform v2.0 (``organizations`` tenant) and Graph's standalone online meetings.

Microsoft's ways, hidden here: refresh tokens rotate on every use but the old one stays valid (still refreshed
single-flight by the caller, which costs nothing); a refresh asks for exactly the scopes of the first consent, since
asking for more gives ``consent_required``; without ``offline_access`` there is no refresh token at all. A moved or
renamed appointment PATCHes the meeting (its join link stays valid) and removing it DELETEs it. The organizer joins
with the same link, signed in to Teams: there is no separate host link. Microsoft sends no deauthorization
notifications: a dead grant is found at refresh (``invalid_grant``) and the user is asked to reconnect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from backend.models import ProviderKind
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

NAME = "Microsoft Teams"
TENANT = "organizations"
"""Work and school accounts: online meetings cannot be made for personal Microsoft accounts."""
SCOPES = "OnlineMeetings.ReadWrite User.Read offline_access"
SUBJECT_LIMIT = 255
RECONNECT = "Your Microsoft Teams connection no longer works. Connect your Microsoft account again."
FORBIDDEN = (
    "Microsoft does not let your account do this: it may need a Teams licence or the permission to make online "
    "meetings. Ask your Microsoft 365 administrator."
)
LOBBY_CHOICES = (
    ("organization", "People in my organization"),
    ("everyone", "Everyone (also guests and anonymous people)"),
    ("invited", "Only people who are invited to the meeting"),
)
GRAPH_HEADERS = {"Prefer": "include-unknown-enum-members"}
"""Evolvable enum members (a lobby bypass scope of ``invited``) are otherwise read back as ``unknownFutureValue``."""
DEAD_GRANT = {"invalid_grant", "interaction_required", "consent_required"}


@dataclass(frozen=True, repr=False)
class TeamsConfig:
    login_url: str
    """``https://login.microsoftonline.com``."""
    graph_url: str
    """``https://graph.microsoft.com`` (the adapter adds ``/v1.0``)."""
    client_id: str
    client_secret: str


class TeamsProvider:
    kind = ProviderKind.TEAMS
    name = NAME
    company_setting = CompanySetting(
        name="lobby_bypass",
        label="Who joins without waiting in the lobby",
        help="Everyone else waits in the lobby until someone in the meeting lets them in.",
        choices=LOBBY_CHOICES,
    )
    schedule_at_provider = True
    webhook_ack_status = 200
    webhook_max_age = timedelta(0)  # Microsoft sends us no notifications

    def __init__(self, config: TeamsConfig, http: httpx.AsyncClient) -> None:
        self._config = config
        self._http = http

    def __repr__(self) -> str:
        return f"TeamsProvider(graph_url={self._config.graph_url!r})"

    # OAuth

    @property
    def _oauth(self) -> str:
        return f"{self._config.login_url}/{TENANT}/oauth2/v2.0"

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        query = {
            "client_id": self._config.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "response_mode": "query",
            "scope": SCOPES,
            "state": state,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        return f"{self._oauth}/authorize?{urlencode(query, quote_via=quote)}"

    async def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": code_verifier, "scope": SCOPES}  # fmt: skip
        grant = await self._token(form)
        granted = {scope.rsplit("/", 1)[-1].lower() for scope in grant.scope.split()}
        if "onlinemeetings.readwrite" not in granted:
            raise ProviderError(
                ErrorKind.REJECTED,
                "Microsoft Teams was not connected: the permission to create online meetings was not granted. "
                "Start again and accept every permission; your Microsoft 365 administrator may have to allow it.",
            )
        return grant

    async def refresh(self, refresh_token: str) -> Grant:
        # The same scopes as at consent: asking for any other gives consent_required (Cal.com's #19991).
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": SCOPES})

    async def revoke(self, token: str) -> None:
        """Microsoft has no endpoint that revokes one app's grant; our copy is deleted, the grant expires unused."""

    async def _token(self, form: dict[str, str]) -> Grant:
        credentials = {"client_id": self._config.client_id, "client_secret": self._config.client_secret}
        response = await call(
            NAME, lambda: self._http.post(f"{self._oauth}/token", data={**form, **credentials}), idempotent=False
        )
        body = json_object(response)
        error = str(body.get("error", ""))
        if response.status_code == 400 and (error in DEAD_GRANT or body.get("suberror") == "consent_required"):
            codes = body.get("error_codes") or []
            raise ProviderError(ErrorKind.GRANT_REVOKED, RECONNECT, detail={"error": error, "codes": codes})
        if response.status_code >= 400 or "access_token" not in body:
            raise ProviderError(
                ErrorKind.REJECTED,
                "Microsoft did not accept the authorization. Try connecting again.",
                detail={"status": response.status_code, "error": error},
            )
        return grant_from(body)

    # The company setting: who bypasses the lobby

    def validate_company_setting(self, value: str) -> str:
        chosen = value.strip()
        if chosen not in dict(LOBBY_CHOICES):
            raise ValueError("Choose who joins without waiting in the lobby.")
        return chosen

    def generate_company_setting(self) -> str:
        return LOBBY_CHOICES[0][0]

    # Meetings

    async def who_am_i(self, access_token: str) -> ProviderAccount:
        body = json_object(await self._graph("GET", "/me", access_token))
        # mail is null for accounts without a mailbox: the sign-in name is the address then (as Cal.com does).
        return ProviderAccount(
            id=str(body["id"]),
            email=str(body.get("mail") or body.get("userPrincipalName") or ""),
            display_name=str(body.get("displayName") or ""),
        )

    async def create_meeting(
        self, access_token: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting:
        payload = {
            **_schedule(details),
            "lobbyBypassSettings": {
                "scope": company.get("lobby_bypass", "organization"),
                "isDialInBypassEnabled": False,
            },
            # Without it Graph makes no passcode, and people joining by meeting id (phone, room systems) need one.
            "joinMeetingIdSettings": {"isPasscodeRequired": True},
        }
        body = json_object(
            await self._graph("POST", "/me/onlineMeetings", access_token, json=payload, idempotent=False)
        )
        return _meeting(body)

    async def update_meeting(
        self, access_token: str, meeting_id: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting | None:
        await self._graph("PATCH", f"/me/onlineMeetings/{meeting_id}", access_token, json=_schedule(details))
        return None  # Graph keeps joinWebUrl when a meeting is moved or renamed

    async def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        try:
            await self._graph("DELETE", f"/me/onlineMeetings/{meeting_id}", access_token)
        except ProviderError as error:
            if error.kind not in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):  # FORBIDDEN: not this account's now
                raise

    async def host_url(self, access_token: str, meeting_id: str) -> str:
        return str(
            json_object(await self._graph("GET", f"/me/onlineMeetings/{meeting_id}", access_token))["joinWebUrl"]
        )

    async def _graph(
        self, method: str, path: str, access_token: str, *, json: Any = None, idempotent: bool = True
    ) -> httpx.Response:
        url = f"{self._config.graph_url}/v1.0{path}"
        return await bearer_call(NAME, self._http, method, url, access_token, refused=_refused, json=json,
                                 idempotent=idempotent, headers=GRAPH_HEADERS)  # fmt: skip

    # Webhooks

    async def read_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> tuple[ProviderEvent, str]:
        raise WebhookRejected("Microsoft sends no notifications to this service.")

    def webhook_refusal(self, error: WebhookRejected) -> tuple[int, dict[str, Any]]:
        return 401, {"error": "rejected", "message": str(error)}


def _refused(response: httpx.Response) -> ProviderError:
    error = json_object(response).get("error") or {}
    code, message = error.get("code", ""), error.get("message", "")
    detail = {"status": response.status_code, "code": code}
    if response.status_code == 401:
        return ProviderError(ErrorKind.UNAUTHORIZED, RECONNECT, detail=detail)
    if response.status_code == 403:
        return ProviderError(ErrorKind.FORBIDDEN, FORBIDDEN, detail=detail)
    if response.status_code == 404:
        return ProviderError(ErrorKind.NOT_FOUND, "Microsoft Teams no longer has this meeting.", detail=detail)
    return ProviderError(
        ErrorKind.REJECTED,
        f"Microsoft Teams refused the meeting: {message or code or 'no reason given'}.",
        detail=detail,
    )


def _schedule(details: MeetingDetails) -> dict[str, Any]:
    start = details.start.astimezone(UTC)
    end = start + timedelta(minutes=max(1, details.duration_minutes))
    return {
        "subject": (details.topic.strip() or "Meeting")[:SUBJECT_LIMIT],
        "startDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _meeting(body: dict[str, Any]) -> ProviderMeeting:
    passcode = str((body.get("joinMeetingIdSettings") or {}).get("passcode") or "")
    return ProviderMeeting(id=str(body["id"]), join_url=body["joinWebUrl"], passcode=passcode)
