"""Invitation e-mails: the CRM says an appointment with a video meeting was saved, participants get a calendar invite.

Everything goes over the wire: the sandbox CRM's signed webhook, our worker reading the appointment from the CRM's
WebAPI, real SMTP to the sandbox's mail sink, and the calendar file parsed back with icalendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from backend.models import AuditEvent, CrmGrant, Job, JobState
from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.mailbox import body_of, calendar_of, mail_server_fails, received, to
from tests.support.rows import rows
from tests.support.signin import csrf_token, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import set_up_company_zoom

OSLO = ZoneInfo("Europe/Oslo")
START = (datetime.now(OSLO) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
GUEST, COLLEAGUE, QUIET = "kari@customer.example", "bjorn@demo.example", "per@customer.example"


@pytest.fixture
def anna(live: LiveServers, make_extension_user: MakeUser) -> Iterator[ExtensionUser]:
    set_up_company_zoom(live)
    yield make_extension_user("anna", zoom_email="anna@demo.example")


def _new_meeting_body(key: str) -> dict[str, Any]:
    return {"topic": "Kick-off", "start": START.isoformat(), "duration_minutes": 60, "timezone": "Europe/Oslo",
            "idempotency_key": key}  # fmt: skip


def _meeting(anna: ExtensionUser) -> dict[str, Any]:
    created = anna.api.post("", json=_new_meeting_body("k1"))
    assert created.status_code == 201, created.text
    return created.json()


def _participants(*addresses: str, send: bool = True) -> list[dict[str, Any]]:
    return [{"EmailAddress": address, "SendEmail": send} for address in addresses]


def _save(live: LiveServers, anna: ExtensionUser, join_url: str, participants: list[dict[str, Any]]) -> dict[str, Any]:
    """Anna saves the appointment in the CRM, with the link the extension put in Location."""
    body = {"Title": "Kick-off", "StartDate": START.isoformat(), "EndDate": (START + timedelta(hours=1)).isoformat(),
            "Location": join_url, "Description": f"Join meeting: {join_url}", "Participants": participants}  # fmt: skip
    saved = anna.browser.post(f"{live.sandbox_url}/Cust12345/api/v1/Appointment", json=body)
    assert saved.status_code == 200, saved.text
    return saved.json()


def _change(live: LiveServers, anna: ExtensionUser, appointment: dict[str, Any], **fields: Any) -> dict[str, Any]:
    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    changed = anna.browser.put(url, json={**appointment, **fields})
    assert changed.status_code == 200, changed.text
    return changed.json()


def _settled(live: LiveServers) -> bool:
    """No invitation job is waiting or running (done jobs leave no row)."""
    return not [job for job in rows(live.settings, Job) if job.state in (JobState.PENDING, JobState.RUNNING)]


def test_participants_get_an_invitation_with_a_calendar_file(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)

    _save(live, anna, meeting["join_url"], [*_participants(GUEST, COLLEAGUE), *_participants("anna@demo.example")])

    mails = eventually(lambda: len(received(live)) >= 2 and received(live))
    assert sorted(mail["To"] for mail in mails) == [COLLEAGUE, GUEST]  # the organizer gets none
    mail = to(mails, GUEST)[0]
    assert mail["Subject"].startswith("Invitation: Kick-off @ ")
    assert "Europe/Oslo" in mail["Subject"]
    assert mail["Reply-To"] == "anna@demo.example"
    assert mail["From"].addresses[0].addr_spec == "meetings@sandbox.example"
    assert "Anna" in mail["From"].addresses[0].display_name
    body = body_of(mail)
    assert f"Join meeting: {meeting['join_url']}" in body
    assert "10:00 Europe/Oslo" in body
    method, event = calendar_of(mail)
    assert method == "REQUEST"
    assert str(event["UID"]) == f"{meeting['id']}@meetings-for-superoffice"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["LOCATION"]) == meeting["join_url"] == str(event["URL"])
    assert event.decoded("DTSTART") == START
    assert str(event.decoded("DTSTART").tzinfo) == "Europe/Oslo"
    assert event.decoded("DTEND") == START + timedelta(hours=1)
    assert {str(a).removeprefix("mailto:") for a in event.get("ATTENDEE")} == {GUEST, COLLEAGUE}
    assert [part.get_filename() for part in mail.iter_attachments()] == ["invite.ics"]


def test_an_address_no_email_can_carry_is_reported_and_the_others_still_get_theirs(
    live: LiveServers, anna: ExtensionUser
) -> None:
    meeting = _meeting(anna)
    broken = "kåre@customer.example"  # SMTPUTF8 is not what invitations can count on

    _save(live, anna, meeting["join_url"], _participants(broken, GUEST, COLLEAGUE))

    mails = eventually(lambda: len(received(live)) >= 2 and received(live))
    eventually(lambda: _settled(live))
    assert sorted(mail["To"] for mail in received(live)) == [COLLEAGUE, GUEST]
    for mail in mails:
        _, event = calendar_of(mail)
        assert {str(a).removeprefix("mailto:") for a in event.get("ATTENDEE")} == {GUEST, COLLEAGUE}
    failures = [e.detail["error"] for e in rows(live.settings, AuditEvent) if e.action == "invitations.failed"]
    expected = f"{broken!r} is not an e-mail address an invitation can be sent to; correct it in SuperOffice"
    assert failures and set(failures) == {expected}  # reported each time the appointment is saved with it


def test_the_host_link_never_reaches_participants(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    host_link = anna.api.get(f"/{meeting['id']}/host-link")
    assert host_link.status_code == 200, host_link.text
    _save(live, anna, meeting["join_url"], _participants(GUEST))

    mail = eventually(lambda: received(live))[0]
    raw = mail.as_string()
    assert meeting["join_url"] in body_of(mail)
    assert host_link.json()["url"] not in raw


def test_a_moved_appointment_sends_an_update_and_a_deleted_one_a_cancellation(
    live: LiveServers, anna: ExtensionUser
) -> None:
    meeting = _meeting(anna)
    appointment = _save(live, anna, meeting["join_url"], _participants(GUEST))
    eventually(lambda: received(live))
    later = START + timedelta(days=1, hours=2)

    _change(live, anna, appointment, StartDate=later.isoformat(), EndDate=(later + timedelta(hours=1)).isoformat())

    update = eventually(lambda: len(received(live)) == 2 and received(live)[1])
    assert update["Subject"].startswith("Updated invitation: Kick-off")
    method, event = calendar_of(update)
    assert (method, int(event["SEQUENCE"])) == ("REQUEST", 1)
    assert str(event["UID"]) == f"{meeting['id']}@meetings-for-superoffice"
    assert event.decoded("DTSTART") == later

    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    assert anna.browser.delete(url).status_code == 204

    cancel = eventually(lambda: len(received(live)) == 3 and received(live)[2])
    assert cancel["Subject"].startswith("Cancelled: Kick-off")
    method, event = calendar_of(cancel)
    assert (method, str(event["STATUS"])) == ("CANCEL", "CANCELLED")
    assert int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == f"{meeting['id']}@meetings-for-superoffice"


def test_an_unchanged_save_sends_nothing_new_and_a_new_participant_gets_one(
    live: LiveServers, anna: ExtensionUser
) -> None:
    meeting = _meeting(anna)
    appointment = _save(live, anna, meeting["join_url"], _participants(GUEST))
    eventually(lambda: received(live))

    _change(live, anna, appointment, Participants=_participants(GUEST, COLLEAGUE))

    eventually(lambda: len(received(live)) == 2)
    eventually(lambda: _settled(live))
    mails = received(live)
    assert [mail["To"] for mail in mails] == [GUEST, COLLEAGUE]
    assert int(calendar_of(mails[1])[1]["SEQUENCE"]) == 0  # nothing changed for the guest: no update


def test_without_send_invitations_nobody_is_mailed(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)

    _save(live, anna, meeting["join_url"], _participants(QUIET, send=False))
    # A barrier: a second appointment, saved later, with Send invitations. Jobs run in the order they were written,
    # so once its e-mail is here the first appointment's job has run too.
    second = anna.api.post("", json={**_new_meeting_body("k2")}).json()
    _save(live, anna, second["join_url"], _participants(GUEST))

    eventually(lambda: received(live))
    eventually(lambda: _settled(live))
    assert [mail["To"] for mail in received(live)] == [GUEST]


def test_a_mail_server_that_is_down_is_retried_without_duplicates(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    mail_server_fails(live, 2, after=1)  # the first e-mail goes out, then the server is down for two tries

    _save(live, anna, meeting["join_url"], _participants(GUEST, COLLEAGUE))

    eventually(lambda: len(received(live)) >= 2, timeout=15)
    eventually(lambda: _settled(live))
    assert sorted(mail["To"] for mail in received(live)) == [COLLEAGUE, GUEST]
    activity = _activity(live)
    assert "will try again" in activity
    assert "1 invitations" in activity


def test_a_mail_server_that_stays_down_is_shown_in_activity(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    mail_server_fails(live, 100)

    _save(live, anna, meeting["join_url"], _participants(GUEST))

    failed = eventually(lambda: [job for job in rows(live.settings, Job) if job.state == JobState.FAILED], timeout=15)
    assert failed[0].attempts == live.settings.job_max_attempts
    assert "451" in failed[0].last_error
    activity = _activity(live)
    assert "could not e-mail the participants of \u201cKick-off\u201d" in activity
    assert "not sent" in activity
    assert received(live) == []


def test_the_invitation_template_is_the_body_in_template_mode(live: LiveServers, anna: ExtensionUser) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        template = "Welcome to {title}!\nLink: {burl}\nCode: {passcode}\n<b>not html</b>"
        saved = admin.post(
            f"{live.backend_url}/admin/video-meetings/invitations",
            data={"mode": "template", "template": template, "_csrf_token": csrf_token(page)},
        )
        assert saved.status_code in (200, 303), saved.text
    meeting = _meeting(anna)

    _save(live, anna, meeting["join_url"], _participants(GUEST))

    body = body_of(eventually(lambda: received(live))[0])
    assert body.strip() == f"Welcome to Kick-off!\nLink: {meeting['join_url']}\nCode: Pass1234\n<b>not html</b>"


def _activity(live: LiveServers) -> str:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings/activity/")
        return page.text.replace("&#8220;", "\u201c").replace("&#8221;", "\u201d")


def test_the_mailbox_page_shows_what_was_sent(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    _save(live, anna, meeting["join_url"], _participants(GUEST))
    eventually(lambda: received(live))

    page = httpx.get(f"{live.sandbox_url}/mailbox")
    assert "Invitation: Kick-off" in page.text and GUEST in page.text
    first = httpx.get(f"{live.sandbox_url}/mailbox/1")
    assert meeting["join_url"] in first.text and "METHOD:REQUEST" in first.text
    assert httpx.get(f"{live.sandbox_url}/mailbox/1/raw").headers["content-type"].startswith("message/rfc822")


def test_only_people_who_make_meetings_and_administrators_leave_a_superoffice_sign_in_with_us(
    live: LiveServers, anna: ExtensionUser
) -> None:
    with httpx.Client(timeout=20) as bjorn:
        sign_in(bjorn, live, "bjorn", "/")  # a user's visit to the pages
    with httpx.Client(timeout=20) as bjorn:
        sign_in(bjorn, live, "bjorn", "/admin/video-meetings")  # not an administrator: nothing kept either

    kept = sorted(rows(live.settings, CrmGrant), key=lambda grant: grant.associate_id)

    # The administrator (the company's webhook is registered and checked as them) and anna (she connected the
    # extension); never Bjørn.
    assert [grant.associate_id for grant in kept] == [1, 2]
    assert kept[1].refresh_token_encrypted and "anna" not in kept[1].refresh_token_encrypted
