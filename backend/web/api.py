"""The extension's JSON API (``/api/...``), authenticated by the extension's bearer token.

Errors are JSON ``{"error": code, "message": text}``: the message is for the user, the code for the extension.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_204_NO_CONTENT,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_502_BAD_GATEWAY,
)
from litestar.types import Message, Scope

from backend.models import Tenant
from backend.providers.base import ErrorKind, ProviderError
from backend.security import UserIdentity
from backend.services import meetings, user_access
from backend.services.configuration import ConfigurationError
from backend.services.meetings import Collaborators, MeetingChange, MeetingNotFound, NewMeeting
from backend.services.tokens import ReconnectNeeded
from backend.web.api_models import (
    EARLIEST_START,
    FIELD_RULES,
    LATEST_START,
    MAX_APPOINTMENTS_PER_QUERY,
    MAX_CRM_ID,
    MeetingChangeIn,
    MeetingIn,
    MeetingOut,
    given,
)
from backend.web.dependencies import Cipher, DbSession, Providers

Who = NamedDependency[UserIdentity]
"""``who``: the user the extension's token speaks for."""


RENEWED_TOKEN_HEADER = "X-Meetings-Token"  # noqa: S105  (a header name)


async def extension_identity(request: Request[Any, Any, Any], db_session: DbSession) -> UserIdentity:
    """The user an extension token speaks for; 401 when it is missing, forged, expired or revoked. An old enough
    token gets a fresh one in the answer's ``X-Meetings-Token`` header (see ``send_renewed_token``)."""
    tokens = request.app.state.extension_tokens
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    who = tokens.read(token.strip()) if scheme.lower() == "bearer" else None
    if who is None:
        raise NotAuthorizedException("Connect the extension to Meetings for SuperOffice again (sign in).")
    if not await user_access.still_valid(db_session, who):
        raise NotAuthorizedException("This browser was signed out of Meetings for SuperOffice. Connect it again.")
    request.state.renewed_token = tokens.renewal(who, datetime.now(UTC))
    return who


async def send_renewed_token(message: Message, scope: Scope) -> None:
    """``before_send``: hands the extension its renewed token beside any answer (header ``X-Meetings-Token``), so a
    browser in use never has to sign in again while one unused for the token's lifetime does. A coroutine: Litestar
    runs a plain function hook on a worker thread, twice per response, for every request."""
    fresh = (scope.get("state") or {}).get("renewed_token")
    if fresh and message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers[RENEWED_TOKEN_HEADER] = fresh
        headers["Cache-Control"] = "no-store"


def _checked(start: datetime | None, timezone: str | None) -> None:
    """What msgspec's bounds cannot say: a plausible start, a time zone that exists."""
    if start is not None and not EARLIEST_START <= start <= LATEST_START:
        raise ValidationException(f"start must be between {EARLIEST_START.year} and {LATEST_START.year}.")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationException(f"timezone {timezone!r} is not an IANA time zone such as Europe/Oslo.") from None


def _collaborators(state: State, providers: Any, cipher: Any) -> Collaborators:
    return Collaborators(sessions=state.sessions, adapters=providers, cipher=cipher)


def _error(status: int, code: str, message: str, **extra: Any) -> Response[dict[str, Any]]:
    headers = extra.pop("headers", None)
    return Response({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def not_configured(_: Request[Any, Any, Any], error: ConfigurationError) -> Response[dict[str, Any]]:
    return _error(HTTP_409_CONFLICT, "not_configured", str(error))


def reconnect_needed(request: Request[Any, Any, Any], error: ReconnectNeeded) -> Response[dict[str, Any]]:
    connect_url = f"{request.app.state.public_url}/connect"
    return _error(HTTP_409_CONFLICT, "connect_needed", error.message, connect_url=connect_url)


def meeting_not_found(_: Request[Any, Any, Any], __: MeetingNotFound) -> Response[dict[str, Any]]:
    return _error(HTTP_404_NOT_FOUND, "not_found", "This video meeting does not exist (or is not yours).")


def provider_failed(_: Request[Any, Any, Any], error: ProviderError) -> Response[dict[str, Any]]:
    if error.kind is ErrorKind.RATE_LIMITED:
        wait = error.retry_after_seconds
        return _error(HTTP_429_TOO_MANY_REQUESTS, "rate_limited", error.message,
                      headers={"Retry-After": str(int(wait))} if wait is not None else None)  # fmt: skip
    if error.kind in (ErrorKind.REJECTED, ErrorKind.FORBIDDEN):
        return _error(HTTP_422_UNPROCESSABLE_ENTITY, "provider_refused", error.message)
    if error.kind is ErrorKind.NOT_FOUND:
        return _error(HTTP_409_CONFLICT, "gone_at_provider", f"{error.message} Remove it and add a new one.")
    if error.kind is ErrorKind.IN_PROGRESS:
        return _error(HTTP_409_CONFLICT, "meeting_in_progress", error.message)
    return _error(HTTP_502_BAD_GATEWAY, "provider_unavailable", error.message)


def unauthorized(_: Request[Any, Any, Any], error: NotAuthorizedException) -> Response[dict[str, Any]]:
    return _error(HTTP_401_UNAUTHORIZED, "unauthorized", str(error.detail), headers={"WWW-Authenticate": "Bearer"})


def invalid(_: Request[Any, Any, Any], error: ValidationException) -> Response[dict[str, Any]]:
    problems = [p for p in error.extra or [] if isinstance(p, dict)] if isinstance(error.extra, list) else []
    rules = [FIELD_RULES.get(str(p.get("key", "")), "") for p in problems]
    if rules and all(rules):
        message = " ".join(dict.fromkeys(rules))  # the rule of each field that broke one, once
    elif problems:
        message = f"{error.detail}: {'; '.join(str(p.get('message', '')) for p in problems)}"
    else:
        message = str(error.detail)
    return _error(HTTP_400_BAD_REQUEST, "invalid_request", message, problems=problems)


API_ERRORS: dict[type[Exception], Any] = {
    ConfigurationError: not_configured,
    ReconnectNeeded: reconnect_needed,
    MeetingNotFound: meeting_not_found,
    ProviderError: provider_failed,
    NotAuthorizedException: unauthorized,
    ValidationException: invalid,
}


class MeetingsController(Controller):
    path = "/api/meetings"
    dependencies = {"who": Provide(extension_identity)}
    exception_handlers = API_ERRORS

    @post("/", status_code=HTTP_201_CREATED)
    async def create(
        self, state: State, db_session: DbSession, who: Who, providers: Providers, cipher: Cipher,
        data: JSONBody[MeetingIn],
    ) -> MeetingOut:  # fmt: skip
        """Make a video meeting. Sending the same ``idempotency_key`` again returns the same meeting."""
        _checked(data.start, data.timezone)
        if not data.idempotency_key.strip():
            raise ValidationException(FIELD_RULES["idempotency_key"])
        new = NewMeeting(data.topic, data.start, data.duration_minutes, data.timezone, data.idempotency_key.strip(),
                         data.appointment_id, data.alarm_minutes_before, data.agenda)  # fmt: skip
        return MeetingOut.of(
            await meetings.create_meeting(db_session, who, new, _collaborators(state, providers, cipher))
        )

    @patch("/{meeting_id:uuid}")
    async def change(
        self, state: State, db_session: DbSession, who: Who, providers: Providers, cipher: Cipher,
        meeting_id: FromPath[uuid.UUID], data: JSONBody[MeetingChangeIn],
    ) -> MeetingOut:  # fmt: skip
        """Move or rename (the link stays valid), re-time the alarm, or attach the saved appointment's id."""
        change = _change(data)
        return MeetingOut.of(
            await meetings.change_meeting(db_session, who, meeting_id, change, _collaborators(state, providers, cipher))
        )

    @delete("/{meeting_id:uuid}", status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self, state: State, db_session: DbSession, who: Who, providers: Providers, cipher: Cipher,
        meeting_id: FromPath[uuid.UUID],
    ) -> None:  # fmt: skip
        await meetings.remove_meeting(db_session, who, meeting_id, _collaborators(state, providers, cipher))

    @get("/")
    async def for_appointments(
        self, db_session: DbSession, who: Who, appointment: FromQuery[list[int]]
    ) -> list[MeetingOut]:
        """The meetings of saved appointments (``?appointment=1&appointment=2``; at most 200 at once)."""
        if len(appointment) > MAX_APPOINTMENTS_PER_QUERY or not all(1 <= a <= MAX_CRM_ID for a in appointment):
            raise ValidationException(FIELD_RULES["appointment"])
        return [MeetingOut.of(m) for m in await meetings.meetings_for_appointments(db_session, who, appointment)]

    @get("/upcoming")
    async def upcoming(self, db_session: DbSession, who: Who) -> list[MeetingOut]:
        """Meetings with an alarm still to come, for the extension's notifications."""
        now = datetime.now(UTC)
        return [MeetingOut.of(m) for m in await meetings.upcoming_meetings(db_session, who, now)]

    @get("/{meeting_id:uuid}")
    async def one(self, db_session: DbSession, who: Who, meeting_id: FromPath[uuid.UUID]) -> MeetingOut:
        return MeetingOut.of(await meetings.own_meeting(db_session, who, meeting_id))

    @get("/{meeting_id:uuid}/host-link")
    async def host_link(
        self, state: State, db_session: DbSession, who: Who, providers: Providers, cipher: Cipher,
        meeting_id: FromPath[uuid.UUID],
    ) -> dict[str, str]:  # fmt: skip
        """A fresh link for the host to start the meeting."""
        url = await meetings.host_link(db_session, who, meeting_id, _collaborators(state, providers, cipher))
        return {"url": url}


def _change(data: MeetingChangeIn) -> MeetingChange:
    start, timezone = given(data.start), given(data.timezone)
    _checked(start, timezone)  # type: ignore[arg-type]
    return MeetingChange(
        topic=given(data.topic),  # type: ignore[arg-type]
        start=start,  # type: ignore[arg-type]
        duration_minutes=given(data.duration_minutes),  # type: ignore[arg-type]
        timezone=timezone,  # type: ignore[arg-type]
        appointment_id=given(data.appointment_id),  # type: ignore[arg-type]
        alarm_minutes_before=given(data.alarm_minutes_before),  # type: ignore[arg-type]
        clear_alarm=data.alarm_minutes_before is None,
    )


@get("/api/settings", dependencies={"who": Provide(extension_identity)}, exception_handlers=API_ERRORS)
async def extension_settings(db_session: DbSession, who: Who) -> dict[str, str]:
    """What the extension does with a new meeting's link: ``mail_link`` adds a "Join meeting" line to the text."""
    tenant = await db_session.get(Tenant, who.tenant_id)
    return {"invitation_mode": tenant.invitation_mode if tenant else "mail_link"}
