"""Graph's ``onlineMeeting`` resource: what a request may set, how it is checked, and the JSON Graph answers with."""

from __future__ import annotations

import json
import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from backend.sandbox.microsoft.errors import GraphError
from backend.sandbox.microsoft.store import MicrosoftUser

LOBBY_SCOPES = (
    "organizer",
    "organization",
    "organizationAndFederated",
    "everyone",
    "invited",
    "organizationExcludingGuests",
)
EVOLVABLE_LOBBY_SCOPES = ("invited", "organizationExcludingGuests")
"""Members after ``unknownFutureValue`` in Graph's lobbyBypassScope (msgraph-metadata ``clean_v10_metadata``): read back
as ``unknownFutureValue`` unless the request says ``Prefer: include-unknown-enum-members``
(microsoft-graph-docs-contrib ``api-reference/v1.0/resources/lobbybypasssettings.md``)."""
UNKNOWN_ENUM_MEMBERS = "include-unknown-enum-members"
LOBBY_WORDS = {
    "organizer": "Only organizers and co-organizers",
    "organization": "People in my organization",
    "organizationAndFederated": "People in my organization and trusted organizations",
    "everyone": "Everyone",
    "invited": "People who were invited",
    "organizationExcludingGuests": "People in my organization, excluding guests",
}
SETTINGS = {
    "allowedPresenters": "everyone",
    "allowAttendeeToEnableCamera": True,
    "allowAttendeeToEnableMic": True,
    "allowMeetingChat": "enabled",
    "allowTeamworkReactions": True,
    "isEntryExitAnnounced": True,
    "recordAutomatically": False,
    "externalId": None,
}
"""Properties kept as given and answered with these defaults (the emulator gives them no meaning)."""
READ_ONLY = {
    "id",
    "creationDateTime",
    "joinWebUrl",
    "joinUrl",
    "chatInfo",
    "videoTeleconferenceId",
    "audioConferencing",
    "joinInformation",
    "meetingCode",
}
"""Accepted in a request and ignored: Graph sets these itself."""
MODELLED = {"subject", "startDateTime", "endDateTime", "lobbyBypassSettings", "joinMeetingIdSettings", "participants"}


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _moment(value: Any, name: str) -> datetime:
    """A DateTimeOffset; without an offset it is UTC, as Graph reads it."""
    try:
        if not isinstance(value, str) or "T" not in value:
            raise ValueError(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset' ({name})."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def graph_time(moment: datetime) -> str:
    """UTC with ``Z``; fractions of a second in Graph's seven digits when there are any."""
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}0" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _lobby(value: Any, current: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad("lobbyBypassSettings must be an object.")
    scope = value.get("scope", current["lobby_scope"])
    if scope not in LOBBY_SCOPES:
        raise _bad(f"Cannot convert the literal '{scope}' to the expected type 'microsoft.graph.lobbyBypassScope'.")
    dial_in = value.get("isDialInBypassEnabled", current["dial_in_bypass"])
    if not isinstance(dial_in, bool):
        raise _bad("isDialInBypassEnabled must be true or false.")
    return {"lobby_scope": scope, "dial_in_bypass": dial_in}


def meeting_fields(body: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    """The columns a POST (``current`` None) or PATCH body sets, checked as Graph checks them."""
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    for name in body:
        if name not in MODELLED | READ_ONLY | set(SETTINGS) and not name.startswith("@odata."):
            raise _bad(
                f"The property '{name}' does not exist on type 'microsoft.graph.onlineMeeting'. Make sure to"
                " only use property names that are defined by the type or mark the type as open type."
            )
    creating = current is None
    current = current or {"lobby_scope": "organization", "dial_in_bypass": False, "extra": {}}
    fields: dict[str, Any] = {}
    if "subject" in body or creating:
        subject = body.get("subject")
        if subject is not None and not isinstance(subject, str):
            raise _bad("subject must be text.")
        fields["subject"] = subject
    if creating:
        start = _moment(body["startDateTime"], "startDateTime") if "startDateTime" in body else datetime.now(UTC)
        end = _moment(body["endDateTime"], "endDateTime") if "endDateTime" in body else start + timedelta(hours=1)
    elif ("startDateTime" in body) != ("endDateTime" in body):
        raise _bad("Both startDateTime and endDateTime must be given to change the time of a meeting.")
    elif "startDateTime" in body:
        start, end = _moment(body["startDateTime"], "startDateTime"), _moment(body["endDateTime"], "endDateTime")
    if creating or "startDateTime" in body:
        if end < start:
            raise _bad("The meeting's endDateTime must not be before its startDateTime.")
        fields["start_at"], fields["end_at"] = graph_time(start), graph_time(end)
    if "lobbyBypassSettings" in body or creating:
        fields |= _lobby(body.get("lobbyBypassSettings") or {}, current)
    if creating:  # the join id and passcode are fixed once the meeting exists
        # No passcode unless asked for: Graph's "Create onlineMeeting" examples answer isPasscodeRequired false and
        # passcode null, and Example 3 asks with joinMeetingIdSettings.isPasscodeRequired true (generated passcode).
        settings = body.get("joinMeetingIdSettings") or {}
        required = settings.get("isPasscodeRequired", False) if isinstance(settings, dict) else None
        if not isinstance(required, bool):
            raise _bad("joinMeetingIdSettings.isPasscodeRequired must be true or false.")
        passcode = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(6))
        fields["passcode"] = passcode if required else None
    given = {name: body[name] for name in (*SETTINGS, "participants") if name in body}
    if given or creating:
        fields["extra"] = {**current["extra"], **given}
    return fields


def _escaped(text: str) -> str:
    """Percent-escaped with lower-case hex, as Teams writes its links (``19%3ameeting_...%40thread.v2``)."""
    return re.sub(r"%[0-9A-F]{2}", lambda match: match.group().lower(), quote(text, safe=""))


def join_web_url(public_url: str, meeting: dict[str, Any], owner: MicrosoftUser) -> str:
    context = json.dumps({"Tid": owner.tenant_id, "Oid": owner.id}, separators=(",", ":"))
    return f"{public_url}/microsoft/teams/l/meetup-join/{_escaped(meeting['thread_id'])}/0?context={_escaped(context)}"


def meeting_json(
    public_url: str, meeting: dict[str, Any], owner: MicrosoftUser, *, unknown_enum_members: bool = False
) -> dict[str, Any]:
    """The meeting as Graph answers with it; evolvable enum members only when the request opted in."""
    lobby_scope = meeting["lobby_scope"]
    if lobby_scope in EVOLVABLE_LOBBY_SCOPES and not unknown_enum_members:
        lobby_scope = "unknownFutureValue"
    extra = dict(meeting["extra"])
    participants = extra.pop("participants", None)
    attendees = participants.get("attendees") if isinstance(participants, dict) else None
    return {
        "@odata.context": f"{public_url}/microsoft/graph/v1.0/$metadata#users('{owner.id}')/onlineMeetings/$entity",
        "id": meeting["id"],
        "creationDateTime": meeting["created_at"],
        "startDateTime": meeting["start_at"],
        "endDateTime": meeting["end_at"],
        "subject": meeting["subject"],
        "joinWebUrl": join_web_url(public_url, meeting, owner),
        "videoTeleconferenceId": meeting["video_teleconference_id"],
        "audioConferencing": None,
        "chatInfo": {"threadId": meeting["thread_id"], "messageId": "0", "replyChainMessageId": None},
        "joinMeetingIdSettings": {
            "isPasscodeRequired": meeting["passcode"] is not None,
            "joinMeetingId": meeting["join_meeting_id"],
            "passcode": meeting["passcode"],
        },
        "lobbyBypassSettings": {"scope": lobby_scope, "isDialInBypassEnabled": meeting["dial_in_bypass"]},
        "participants": {
            "organizer": {
                "upn": owner.email,
                "role": "presenter",
                "identity": {
                    "user": {
                        "id": owner.id,
                        "displayName": owner.display_name,
                        "tenantId": owner.tenant_id,
                        "identityProvider": "AAD",
                    },
                },
            },
            "attendees": attendees if isinstance(attendees, list) else [],
        },
        **SETTINGS,
        **extra,
    }
