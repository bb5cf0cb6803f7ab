"""The invitation's calendar file parses, keeps its UID, and says REQUEST or CANCEL in the right time zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from backend.services.calendar_files import CalendarInvitation, invitation_ics, meeting_uid

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
INVITATION = CalendarInvitation(
    uid=meeting_uid("b482a524"),
    sequence=0,
    title="Kick-off, Nordic Tools",
    start=START,
    end=START + timedelta(hours=1),
    timezone="Europe/Oslo",
    join_url="https://zoom.us/j/123?pwd=abc",
    description="You are invited.\nJoin: https://zoom.us/j/123?pwd=abc",
    organizer_email="anna@demo.example",
    organizer_name="Anna Andersen",
    attendees=("kari@customer.example", "ola@customer.example"),
)


def _event(ics: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_a_request_carries_the_meeting() -> None:
    calendar, event = _event(invitation_ics(INVITATION))

    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == "b482a524@meetings-for-superoffice"
    assert str(event["LOCATION"]) == str(event["URL"]) == "https://zoom.us/j/123?pwd=abc"
    assert str(event["SUMMARY"]) == "Kick-off, Nordic Tools"
    start = event.decoded("DTSTART")
    assert start == START and start.tzinfo.key == "Europe/Oslo"  # 10:00 in Oslo, the same moment
    assert start.astimezone(ZoneInfo("Europe/Oslo")).hour == 10
    assert [str(a) for a in event["ATTENDEE"]] == ["mailto:kari@customer.example", "mailto:ola@customer.example"]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"


def test_a_move_keeps_the_uid_and_a_removal_cancels_it() -> None:
    moved = CalendarInvitation(**{**INVITATION.__dict__, "sequence": 1, "start": START + timedelta(days=1),
                                  "end": START + timedelta(days=1, hours=1)})  # fmt: skip

    _, update = _event(invitation_ics(moved))
    calendar, cancel = _event(invitation_ics(moved, cancelled=True))

    assert str(update["UID"]) == str(cancel["UID"]) == "b482a524@meetings-for-superoffice"
    assert update["SEQUENCE"] == 1
    assert calendar["METHOD"] == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
