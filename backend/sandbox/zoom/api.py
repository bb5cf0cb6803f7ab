"""Zoom's Meetings API (``https://api.zoom.us/v2``), under ``/zoom/v2`` in the sandbox."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.sandbox.faults import Target
from backend.sandbox.zoom.faults import fault_response
from backend.sandbox.zoom.store import ZoomStore, ZoomUser

PASSWORD = re.compile(r"^[A-Za-z0-9@\-_*!#]{1,10}$")
EXPIRY = timedelta(days=30)
NOT_IN_CREATED = {"uuid", "host_id", "status"}
"""In Zoom's Meetings OpenAPI the 201 of ``POST /users/{userId}/meetings`` has no ``uuid``, ``host_id`` or ``status``
(``GET /meetings/{meetingId}`` has them): tests/contracts/samples/zoom/meetings-openapi-extract.json."""
EDITABLE = {"topic", "type", "start_time", "duration", "timezone", "agenda", "password", "settings"}


class ZoomError(Exception):
    def __init__(self, status_code: int, code: int, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message, self.errors = status_code, code, message, errors


def zoom_error_response(_: Request[Any, Any, Any], error: ZoomError) -> Response[Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    return Response(body, status_code=error.status_code)


async def _caller(request: Request[Any, Any, Any], state: State) -> ZoomUser | Response[Any]:
    """The user behind the Bearer token, or the fault armed for this call."""
    fault = state.faults.take("zoom", Target.API)
    if fault is not None:
        return await fault_response(request, fault)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    store: ZoomStore = state.zoom
    token = store.token(credential.strip()) if scheme.lower() == "bearer" else None
    if token is None or token.revoked:
        raise ZoomError(401, 124, "Invalid access token.")
    if token.access_expires_at <= time.time():
        raise ZoomError(401, 124, "Access token is expired.")
    user = store.user(token.user_id)
    if user is None:
        raise ZoomError(401, 124, "Invalid access token.")
    return user


def _invalid(field: str, message: str) -> ZoomError:
    return ZoomError(400, 300, "Validation Failed.", [{"field": field, "message": message}])


def _meeting_fields(body: Any, *, partial: bool) -> dict[str, Any]:
    """Zoom's checks on a meeting body; start times are kept in UTC."""
    if not isinstance(body, dict):
        raise ZoomError(400, 300, "Request Body should be a valid JSON object.")
    unknown = set(body) - EDITABLE - {"default_password", "pre_schedule", "schedule_for", "recurrence"}
    if unknown:
        raise _invalid(sorted(unknown)[0], "Unknown field.")
    fields = {key: value for key, value in body.items() if key in EDITABLE}
    if not partial:
        fields = {"topic": "", "type": 2, "duration": 60, "timezone": "UTC", "agenda": "", "password": "",
                  "settings": {}, **fields}  # fmt: skip
    if "topic" in fields and (not isinstance(fields["topic"], str) or len(fields["topic"]) > 200):
        raise _invalid("topic", "Topic must be text of at most 200 characters.")
    if "agenda" in fields and (not isinstance(fields["agenda"], str) or len(fields["agenda"]) > 2000):
        raise _invalid("agenda", "Agenda must be text of at most 2000 characters.")
    if "type" in fields and fields["type"] not in (1, 2, 3, 8):
        raise _invalid("type", "Invalid meeting type.")
    if "duration" in fields and (not isinstance(fields["duration"], int) or fields["duration"] < 0):
        raise _invalid("duration", "Duration must be a number of minutes.")
    if fields.get("password") and (not isinstance(fields["password"], str) or not PASSWORD.match(fields["password"])):
        raise ZoomError(
            400, 300, "Invalid parameter: password.", [{"field": "password", "message": "Invalid passcode."}]
        )
    if "settings" in fields and not isinstance(fields["settings"], dict):
        raise _invalid("settings", "Settings must be an object.")
    if "timezone" in fields:
        try:
            ZoneInfo(str(fields["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid("timezone", "Invalid time zone.") from None
    if "start_time" in fields:
        fields["start_time"] = _utc_start(fields["start_time"], fields.get("timezone", "UTC"))
    elif not partial and fields["type"] == 2:
        raise _invalid("start_time", "A scheduled meeting needs a start_time.")
    return fields


def _utc_start(value: Any, timezone: str) -> str:
    """``yyyy-MM-ddTHH:mm:ssZ`` is UTC; without ``Z`` it is local time in ``timezone`` (Zoom's rule)."""
    if not isinstance(value, str):
        raise _invalid("start_time", "start_time must be text.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("start_time", "start_time must look like 2026-11-25T10:00:00Z.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meeting_body(state: State, meeting: dict[str, Any], host: ZoomUser) -> dict[str, Any]:
    base = state.config.public_url
    # Stable per meeting, as Zoom's encrypted passcode in the join link is.
    encrypted = hashlib.sha256(f"{meeting['uuid']}:{meeting['password']}".encode()).hexdigest()[:32]
    encrypted = encrypted if meeting["password"] else ""
    join = f"{base}/zoom/j/{meeting['id']}" + (f"?pwd={encrypted}" if encrypted else "")
    return {
        "id": meeting["id"],
        "uuid": meeting["uuid"],
        "host_id": host.id,
        "host_email": host.email,
        "topic": meeting["topic"],
        "type": meeting["type"],
        "status": "started" if meeting["progress"] == "started" else "waiting",
        "start_time": meeting["start_time"],
        "duration": meeting["duration"],
        "timezone": meeting["timezone"],
        "agenda": meeting["agenda"],
        "created_at": meeting["created_at"],
        # A fresh ZAK each time, valid for two hours: hosts must not use a stored start_url.
        "start_url": f"{base}/zoom/s/{meeting['id']}?zak={secrets.token_urlsafe(32)}&expires={int(time.time()) + 7200}",
        "join_url": join,
        "password": meeting["password"],
        "h323_password": meeting["password"],
        "pstn_password": meeting["password"],
        "encrypted_password": encrypted,
        "settings": meeting["settings"],
        "pre_schedule": False,
    }


async def _json(request: Request[Any, Any, Any]) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise ZoomError(400, 300, "Request Body should be a valid JSON object.") from None


def _own_meeting(store: ZoomStore, meeting_id: int, host: ZoomUser) -> dict[str, Any]:
    meeting = store.meeting(meeting_id)
    if meeting is None or meeting["host_id"] != host.id:
        raise ZoomError(404, 3001, f"Meeting does not exist: {meeting_id}.")
    return meeting


@get("/zoom/v2/users/me")
async def me(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    user = await _caller(request, state)
    if isinstance(user, Response):
        return user
    return Response({
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": f"{user.first_name} {user.last_name}",
        "email": user.email,
        "type": 2,
        "account_id": user.account_id,
        "status": "active",
        "language": "en-US",
    })  # fmt: skip


@post("/zoom/v2/users/me/meetings")
async def create_meeting(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    user = await _caller(request, state)
    if isinstance(user, Response):
        return user
    meeting = state.zoom.add_meeting(user.id, _meeting_fields(await _json(request), partial=False))
    body = {key: value for key, value in _meeting_body(state, meeting, user).items() if key not in NOT_IN_CREATED}
    return Response(body, status_code=HTTP_201_CREATED)


@get("/zoom/v2/meetings/{meeting_id:int}")
async def get_meeting(request: Request[Any, Any, Any], state: State, meeting_id: FromPath[int]) -> Response[Any]:
    user = await _caller(request, state)
    if isinstance(user, Response):
        return user
    return Response(_meeting_body(state, _own_meeting(state.zoom, meeting_id, user), user))


@patch("/zoom/v2/meetings/{meeting_id:int}", status_code=200)  # the answer (204, or a fault) is built below
async def update_meeting(request: Request[Any, Any, Any], state: State, meeting_id: FromPath[int]) -> Response[Any]:
    user = await _caller(request, state)
    if isinstance(user, Response):
        return user
    meeting = _own_meeting(state.zoom, meeting_id, user)
    body = await _json(request)
    if isinstance(body, dict) and "start_time" in body and "timezone" not in body:
        body = {**body, "timezone": meeting["timezone"]}
    fields = _meeting_fields(body, partial=True)
    if fields:
        state.zoom.update_meeting(meeting_id, fields)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


def _deletable(meeting: dict[str, Any], now: datetime) -> None:
    """Zoom's refusals to delete a meeting that is running, has ended or has expired.

    Codes and messages: Zoom's API error tables for "Delete a meeting" (300 "Meeting {meetingId} is not found or has
    expired.", 3002 "Sorry, you cannot delete this meeting since it's in progress.", 3007 "Sorry, you cannot delete
    this meeting since it's ended."), mirrored in zoom/api's docs and in newer copies of the Meetings OpenAPI. A
    meeting whose end (start + duration) is past counts as ended. UNCONFIRMED: when Zoom says "expired" rather than
    "ended"; taken here from Zoom's rule that a non-recurring meeting's ID expires 30 days after its scheduled time.
    """
    if meeting["progress"] == "started":
        raise ZoomError(400, 3002, "Sorry, you cannot delete this meeting since it's in progress.")
    if not meeting["start_time"]:
        return
    start = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00"))
    if now > start + EXPIRY:
        raise ZoomError(400, 300, f"Meeting {meeting['id']} is not found or has expired.")
    if meeting["progress"] == "ended" or now > start + timedelta(minutes=int(meeting["duration"] or 0)):
        raise ZoomError(400, 3007, "Sorry, you cannot delete this meeting since it's ended.")


@delete("/zoom/v2/meetings/{meeting_id:int}", status_code=200)  # likewise
async def delete_meeting(request: Request[Any, Any, Any], state: State, meeting_id: FromPath[int]) -> Response[Any]:
    user = await _caller(request, state)
    if isinstance(user, Response):
        return user
    _deletable(_own_meeting(state.zoom, meeting_id, user), datetime.now(UTC))
    state.zoom.delete_meeting(meeting_id)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


ROUTES = [me, create_meeting, get_meeting, update_meeting, delete_meeting]
