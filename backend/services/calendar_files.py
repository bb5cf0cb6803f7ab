"""The iCalendar file (RFC 5545, iTIP) that goes with an invitation e-mail, made with the icalendar library.

One meeting keeps one UID for its whole life; each change raises SEQUENCE, so a moved appointment updates the
participant's calendar entry (METHOD:REQUEST) and a deleted one removes it (METHOD:CANCEL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//Meetings for SuperOffice//Invitations//EN"


@dataclass(frozen=True)
class CalendarInvitation:
    uid: str
    sequence: int
    title: str
    start: datetime
    end: datetime
    timezone: str
    join_url: str
    description: str
    organizer_email: str
    organizer_name: str
    attendees: tuple[str, ...]


def meeting_uid(meeting_id: object) -> str:
    """The calendar UID of a meeting: the same for every update and the cancellation."""
    return f"{meeting_id}@meetings-for-superoffice"


def invitation_ics(invitation: CalendarInvitation, *, cancelled: bool = False, now: datetime | None = None) -> bytes:
    """The .ics for a REQUEST (new or moved meeting) or a CANCEL (removed meeting)."""
    try:
        zone = ZoneInfo(invitation.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", invitation.start.astimezone(zone))
    event.add("dtend", invitation.end.astimezone(zone))
    event.add("summary", invitation.title)
    event.add("location", invitation.join_url)
    event.add("url", invitation.join_url)
    event.add("description", invitation.description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{invitation.organizer_email}")
    organizer.params["cn"] = vText(invitation.organizer_name or invitation.organizer_email)
    event.add("organizer", organizer)
    for email in invitation.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        # No RSVP asked: replies would reach the organizer's mailbox, whose calendar has no entry with this UID.
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
