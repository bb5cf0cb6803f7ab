"""The extension's JSON API (``/api/...``), authenticated by the extension's bearer token.

Errors are JSON ``{"error": code, "message": text}``: the message is for the user, the code for the extension.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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

from backend.models import Meeting, Tenant
from backend.providers.base import ErrorKind, ProviderError
from backend.security import UserIdentity
from backend.services import meetings, user_access
from backend.services.configuration import ConfigurationError
from backend.services.meetings import Collaborators, MeetingChange, MeetingNotFound, NewMeeting
from backend.services.tokens import ReconnectNeeded
from backend.web.dependencies import Cipher, DbSession, Providers

MAX_DURATION_MINUTES = 24 * 60
MAX_APPOINTMENTS_PER_QUERY = 200
Who = NamedDependency[UserIdentity]
"""``who``: the user the extension's token speaks for."""


@dataclass
class MeetingIn:
    """A video meeting for an appointment. ``start`` is a date-time with its UTC offset."""

    topic: str
    start: datetime
    duration_minutes: int
    idempotency_key: str
    timezone: str = "UTC"
    appointment_id: int | None = None
    alarm_minutes_before: int | None = None
    agenda: str = ""


@dataclass
class MeetingOut:
    id: uuid.UUID
    provider: str
    join_url: str
    topic: str
    start: datetime
    duration_minutes: int
    timezone: str
    appointment_id: int | None
    alarm_at: datetime | None

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingOut:
        return cls(
            id=meeting.id,
            provider=meeting.provider,
            join_url=meeting.join_url,
            topic=meeting.topic,
            start=meeting.start_at.astimezone(UTC),
            duration_minutes=meeting.duration_minutes,
            timezone=meeting.timezone,
            appointment_id=meeting.appointment_id,
            alarm_at=meeting.alarm_at.astimezone(UTC) if meeting.alarm_at else None,
        )


RENEWED_TOKEN_HEADER = "X-Meetings-Token"  # noqa: S105  (a header name)


async def extension_identity(request: Request[Any, Any, Any], db_session: DbSession) -> UserIdentity:
    """The user an extension token speaks for; 401 when it is missing, forged, expired or revoked. An old enough
    token gets a fresh one in the answer's ``X-Meetings-Token`` header (see ``renewed_token``)."""
    tokens = request.app.state.extension_tokens
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    who = tokens.read(token.strip()) if scheme.lower() == "bearer" else None
    if who is None:
        raise NotAuthorizedException("Connect the extension to Meetings for SuperOffice again (sign in).")
    if not await user_access.still_valid(db_session, who):
        raise NotAuthorizedException("This browser was signed out of Meetings for SuperOffice. Connect it again.")
    request.state.renewed_token = tokens.renewal(who, datetime.now(UTC))
    return who


def send_renewed_token(message: Message, scope: Scope) -> None:
    """``before_send``: hands the extension its renewed token beside any answer (header ``X-Meetings-Token``), so a
    browser in use never has to sign in again while one unused for the token's lifetime does."""
    fresh = (scope.get("state") or {}).get("renewed_token")
    if fresh and message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers[RENEWED_TOKEN_HEADER] = fresh
        headers["Cache-Control"] = "no-store"


def _checked(start: datetime | None, duration: int | None, timezone: str | None) -> None:
    if start is not None and start.tzinfo is None:
        raise ValidationException("start needs a UTC offset, e.g. 2026-11-25T10:00:00+01:00.")
    if duration is not None and not 1 <= duration <= MAX_DURATION_MINUTES:
        raise ValidationException(f"duration_minutes must be between 1 and {MAX_DURATION_MINUTES}.")
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
    problems = [p.get("message", "") for p in error.extra or [] if isinstance(p, dict)] if error.extra else []
    message = str(error.detail) if not problems else f"{error.detail}: {'; '.join(problems)}"
    return _error(HTTP_400_BAD_REQUEST, "invalid_request", message, problems=error.extra or [])


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
        _checked(data.start, data.duration_minutes, data.timezone)
        if not data.idempotency_key.strip() or len(data.idempotency_key) > 128:
            raise ValidationException("idempotency_key must be 1 to 128 characters (one per click).")
        new = NewMeeting(data.topic, data.start, data.duration_minutes, data.timezone, data.idempotency_key.strip(),
                         data.appointment_id, data.alarm_minutes_before, data.agenda)  # fmt: skip
        return MeetingOut.of(
            await meetings.create_meeting(db_session, who, new, _collaborators(state, providers, cipher))
        )

    @patch("/{meeting_id:uuid}")
    async def change(
        self, state: State, db_session: DbSession, who: Who, providers: Providers, cipher: Cipher,
        meeting_id: FromPath[uuid.UUID], data: JSONBody[dict[str, Any]],
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
        if len(appointment) > MAX_APPOINTMENTS_PER_QUERY:
            raise ValidationException(f"Ask for at most {MAX_APPOINTMENTS_PER_QUERY} appointments at once.")
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


def _change(data: dict[str, Any]) -> MeetingChange:
    known = {"topic", "start", "duration_minutes", "timezone", "appointment_id", "alarm_minutes_before"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationException(f"Unknown field {unknown[0]!r}; a change may hold {', '.join(sorted(known))}.")
    try:
        start = datetime.fromisoformat(data["start"]) if data.get("start") is not None else None
    except (TypeError, ValueError):
        raise ValidationException("start must be a date-time with offset, e.g. 2026-11-25T10:00:00+01:00.") from None
    for name in ("duration_minutes", "appointment_id", "alarm_minutes_before"):
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValidationException(f"{name} must be a whole number.")
    if data.get("topic") is not None and not isinstance(data["topic"], str):
        raise ValidationException("topic must be text.")
    _checked(start, data.get("duration_minutes"), data.get("timezone"))
    return MeetingChange(
        topic=data.get("topic"),
        start=start,
        duration_minutes=data.get("duration_minutes"),
        timezone=data.get("timezone"),
        appointment_id=data.get("appointment_id"),
        alarm_minutes_before=data.get("alarm_minutes_before"),
        clear_alarm="alarm_minutes_before" in data and data["alarm_minutes_before"] is None,
    )


@get("/api/settings", dependencies={"who": Provide(extension_identity)}, exception_handlers=API_ERRORS)
async def extension_settings(db_session: DbSession, who: Who) -> dict[str, str]:
    """What the extension does with a new meeting's link: ``mail_link`` adds a "Join meeting" line to the text."""
    tenant = await db_session.get(Tenant, who.tenant_id)
    return {"invitation_mode": tenant.invitation_mode if tenant else "mail_link"}
