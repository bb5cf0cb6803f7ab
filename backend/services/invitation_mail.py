"""Invitation e-mails for an appointment's video meeting: a job that brings participants' calendars up to date.

The job reads the appointment from SuperOffice as its owner (who the participants are, who gets e-mail), compares
with what each participant was last sent (``InvitationDelivery``) and sends only what is due:
- a REQUEST to each participant with *Send invitations* who has had none, and to everyone already invited when the
  title, the time or the link changed (an update: the same UID with a higher SEQUENCE);
- a CANCEL to whoever was invited but is no longer a participant, and to everyone when the appointment or its
  video meeting is gone.
Each e-mail is recorded as soon as the mail server took it, so a retry after a failure sends nothing twice. Only
the join link goes to participants, never the host's start link.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.appointments import AppointmentGone, CrmAppointment, read_appointment
from backend.crm.superoffice import CrmUnavailable, SuperOfficeSignIn
from backend.crm.webapi import CrmAccessRefused
from backend.mail import MailNotSent, MailServer, send_mail
from backend.models import (
    InvitationDelivery,
    Meeting,
    MeetingState,
    Tenant,
    UserConnection,
    utcnow,
)
from backend.security import TokenCipher
from backend.services import audit, invitations, jobs
from backend.services.audit import SYSTEM
from backend.services.calendar_files import CalendarInvitation, invitation_ics, meeting_uid
from backend.services.crm_grants import CrmAccess, CrmGrantMissing
from backend.services.jobs import Attempt, RetryLater

log = logging.getLogger(__name__)
JOB_KIND = "send_invitations"
REQUEST, CANCEL = "REQUEST", "CANCEL"
MAIL_LINK_TEMPLATE = """You are invited to {title}.

When: {start} - {end}
Join meeting: {burl}

{organizer}"""


@dataclass(frozen=True)
class MailCollaborators:
    sessions: async_sessionmaker[AsyncSession]
    signin: SuperOfficeSignIn
    cipher: TokenCipher
    http: httpx.AsyncClient
    server: MailServer | None
    sender: str
    """The From address (``Name <address>``)."""

    @property
    def crm(self) -> CrmAccess:
        return CrmAccess(self.sessions, self.signin, self.cipher, self.http)


@dataclass(frozen=True)
class Delivery:
    email: str
    method: str
    sequence: int
    update: bool = False


@dataclass(frozen=True)
class Occasion:
    """What participants are told about: the appointment as it is now (None when it or its meeting is gone)."""

    title: str
    start: datetime
    end: datetime
    join_url: str

    @property
    def fingerprint(self) -> str:
        text = f"{self.title}\n{self.start.isoformat()}\n{self.end.isoformat()}\n{self.join_url}"
        return hashlib.sha256(text.encode()).hexdigest()


async def invitations_due(db: AsyncSession, meeting: Meeting) -> None:
    """Add the invitation job for ``meeting`` to the caller's transaction (it runs after the commit)."""
    await jobs.enqueue(
        db,
        kind=JOB_KIND,
        key=f"{JOB_KIND}:{meeting.id}",
        payload={"meeting_id": str(meeting.id)},
        tenant_id=meeting.tenant_id,
    )


def plan_deliveries(
    occasion: Occasion | None,
    participants: Iterable[tuple[str, bool]],
    sent: dict[str, InvitationDelivery],
) -> list[Delivery]:
    """What to send now. ``participants``: (address, gets e-mail) of the appointment now; ``sent``: by address."""
    highest = max((delivery.sequence for delivery in sent.values()), default=-1)
    invited = {address for address, delivery in sent.items() if delivery.method == REQUEST}
    present = {address.lower(): wants for address, wants in participants}
    if occasion is None:
        return [Delivery(address, CANCEL, highest + 1) for address in sorted(invited)]
    same = [d.sequence for d in sent.values() if d.method == REQUEST and d.fingerprint == occasion.fingerprint]
    sequence = same[0] if same else highest + 1
    plan = []
    for address, wants in present.items():
        earlier = sent.get(address)
        up_to_date = earlier is not None and earlier.method == REQUEST and earlier.fingerprint == occasion.fingerprint
        if up_to_date or not (wants or address in invited):
            continue
        # Never at or below what this address was last sent (a re-invite after a CANCEL, a half-done update):
        # calendars ignore an update whose SEQUENCE is not higher than the one they hold.
        own = max(sequence, earlier.sequence + 1) if earlier is not None else sequence
        plan.append(Delivery(address, REQUEST, own, update=address in invited))
    plan += [Delivery(address, CANCEL, highest + 1) for address in sorted(invited - present.keys())]
    return plan


def job_function(deps: MailCollaborators) -> jobs.JobFunction:
    async def send_invitations(payload: dict[str, Any], attempt: Attempt) -> None:
        await _send_invitations(deps, uuid.UUID(payload["meeting_id"]), attempt)

    return send_invitations


async def _send_invitations(deps: MailCollaborators, meeting_id: uuid.UUID, attempt: Attempt) -> None:
    if deps.server is None:
        return
    async with deps.sessions() as db:
        meeting = await db.get(Meeting, meeting_id)
        if meeting is None or meeting.appointment_id is None:
            return
        tenant = await db.get(Tenant, meeting.tenant_id)
        assert tenant is not None
        sent = {d.email: d for d in (await db.exec(_deliveries_of(meeting_id))).all()}
        organizer = await _organizer(db, meeting, tenant)
    try:
        appointment = await _appointment(deps, tenant, meeting) if meeting.state == MeetingState.ACTIVE else None
    except CrmGrantMissing:
        await _record_failure(
            deps, meeting, attempt, "its owner must connect the extension again (sign in)", final=True
        )
        return
    except (CrmUnavailable, CrmAccessRefused) as error:
        await _record_failure(deps, meeting, attempt, f"SuperOffice could not be read ({error})")
        raise RetryLater(str(error)) from error
    if appointment is None and not sent:
        return
    occasion = _occasion(meeting, appointment)
    own = {organizer[1].lower()} if organizer[1] else set()
    participants = [
        (p.email, p.send_email)
        for p in (appointment.participants if appointment else ())
        if p.email and p.associate_id != meeting.associate_id and p.email.lower() not in own
    ]
    # An address no e-mail can carry (a typo, a line break pasted in) is reported on its own and left out of
    # everyone's calendar file, so it cannot spoil the others' invitations.
    for address in {a for a, _ in participants if not _sendable(a)}:
        reason = f"{address!r} is not an e-mail address an invitation can be sent to; correct it in SuperOffice"
        await _record_failure(deps, meeting, attempt, reason, final=True)
    participants = [(address, send) for address, send in participants if _sendable(address)]
    plan = plan_deliveries(occasion, participants, sent)
    attendees = tuple(d.email for d in plan if d.method == REQUEST) + tuple(
        address for address, d in sent.items() if d.method == REQUEST and address not in {p.email for p in plan}
    )
    text = _invitation_text(tenant, meeting, occasion, organizer[0], meeting.passcode)
    delivered: list[Delivery] = []
    try:
        for delivery in plan:
            try:
                shown = occasion or _last_known(meeting)
                message = _message(deps.sender, organizer, meeting, shown, delivery, text, attendees)
            except ValueError as error:  # an address or a title no e-mail can carry: this one participant only
                await _record_failure(deps, meeting, attempt, f"{error} ({delivery.email})", final=True)
                continue
            try:
                await send_mail(deps.server, message)
            except MailNotSent as error:
                if error.temporary:
                    await _record_failure(deps, meeting, attempt, error.message)
                    raise RetryLater(error.message) from error
                await _record_failure(deps, meeting, attempt, f"{error.message} ({delivery.email})", final=True)
                continue
            await _remember(deps, meeting_id, delivery, occasion)
            delivered.append(delivery)
    finally:
        await _report(deps, meeting, delivered)


def _sendable(address: str) -> bool:
    """An address we can put in To and in the calendar file as it is (no line breaks, one @, ASCII local part)."""
    try:
        Address(addr_spec=address)
    except (ValueError, HeaderParseError):
        return False
    return len(address) <= 320


async def _appointment(deps: MailCollaborators, tenant: Tenant, meeting: Meeting) -> CrmAppointment | None:
    assert tenant.id is not None and meeting.appointment_id is not None
    appointment_id = meeting.appointment_id

    async def read(http: httpx.AsyncClient, token: str) -> CrmAppointment | None:
        try:
            return await read_appointment(http, tenant.webapi_url, token, appointment_id)
        except AppointmentGone:
            return None

    return await deps.crm.as_user(tenant.id, meeting.associate_id, read)


def _occasion(meeting: Meeting, appointment: CrmAppointment | None) -> Occasion | None:
    if appointment is None or meeting.state != MeetingState.ACTIVE:
        return None
    return Occasion(appointment.title, appointment.start, appointment.end, meeting.join_url)


def _last_known(meeting: Meeting) -> Occasion:
    return Occasion(
        meeting.topic,
        meeting.start_at,
        meeting.start_at + timedelta(minutes=meeting.duration_minutes),
        meeting.join_url,
    )


def _zone(meeting: Meeting) -> ZoneInfo:
    try:
        return ZoneInfo(meeting.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _invitation_text(tenant: Tenant, meeting: Meeting, occasion: Occasion | None, organizer: str, passcode: str) -> str:
    shown = occasion or _last_known(meeting)
    zone = _zone(meeting)
    values = invitations.InvitationValues(
        burl=meeting.join_url, title=shown.title, start=shown.start.astimezone(zone), end=shown.end.astimezone(zone),
        organizer=organizer, passcode=passcode, timezone_label=zone.key,
    )  # fmt: skip
    template = MAIL_LINK_TEMPLATE
    if tenant.invitation_mode == invitations.TEMPLATE:
        template = invitations.template_of(tenant)
        try:
            invitations.check_template(template)
        except invitations.TemplateError:
            template = MAIL_LINK_TEMPLATE
    return invitations.render(template, values)


def _message(
    sender: str,
    organizer: tuple[str, str],
    meeting: Meeting,
    occasion: Occasion,
    delivery: Delivery,
    text: str,
    attendees: tuple[str, ...],
) -> EmailMessage:
    organizer_name, organizer_email = organizer
    sender_name, sender_address = parseaddr(sender)
    zone = _zone(meeting)
    when = f"{occasion.start.astimezone(zone).strftime('%-d %b %Y %H:%M')} ({zone.key})"
    cancelled = delivery.method == CANCEL
    subject = {CANCEL: "Cancelled", REQUEST: "Updated invitation" if delivery.update else "Invitation"}
    message = EmailMessage()
    title = " ".join(occasion.title.split())
    message["Subject"] = f"{subject[delivery.method]}: {title} @ {when}"
    message["From"] = Address(display_name=organizer_name or sender_name, addr_spec=sender_address)
    message["To"] = delivery.email
    if organizer_email:
        message["Reply-To"] = organizer_email
    message["Date"] = format_datetime(utcnow())
    digest = hashlib.sha256(delivery.email.encode()).hexdigest()[:16]
    # The same e-mail sent twice (a crash between sending and recording) carries the same Message-ID.
    domain = sender_address.rpartition("@")[2] or "meetings-for-superoffice.invalid"
    message["Message-ID"] = f"<{meeting.id}.{delivery.sequence}.{delivery.method.lower()}.{digest}@{domain}>"
    body = (
        f"The video meeting {occasion.title} on {when} has been cancelled.\n\n{organizer_name}" if cancelled else text
    )
    message.set_content(body)
    ics = invitation_ics(
        CalendarInvitation(
            uid=meeting_uid(meeting.id), sequence=delivery.sequence, title=occasion.title, start=occasion.start,
            end=occasion.end, timezone=meeting.timezone, join_url=meeting.join_url, description=body,
            organizer_email=organizer_email or sender_address, organizer_name=organizer_name,
            attendees=attendees if not cancelled else (delivery.email,),
        ),
        cancelled=cancelled,
    )  # fmt: skip
    message.add_alternative(ics.decode(), subtype="calendar", params={"method": delivery.method})
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message


async def _remember(
    deps: MailCollaborators, meeting_id: uuid.UUID, delivery: Delivery, occasion: Occasion | None
) -> None:
    async with deps.sessions() as db:
        statement = _deliveries_of(meeting_id).where(InvitationDelivery.email == delivery.email)
        row = (await db.exec(statement)).first() or InvitationDelivery(meeting_id=meeting_id, email=delivery.email)
        row.method, row.sequence, row.sent_at = delivery.method, delivery.sequence, utcnow()
        row.fingerprint = occasion.fingerprint if occasion else ""
        db.add(row)
        await db.commit()


async def _report(deps: MailCollaborators, meeting: Meeting, delivered: list[Delivery]) -> None:
    if not delivered:
        return
    counts = {
        "invitations": sum(1 for d in delivered if d.method == REQUEST and not d.update),
        "updates": sum(1 for d in delivered if d.update),
        "cancellations": sum(1 for d in delivered if d.method == CANCEL),
    }
    async with deps.sessions() as db:
        audit.record(
            db, tenant_id=meeting.tenant_id, action="invitations.sent", actor=SYSTEM,
            subject_associate_id=meeting.associate_id, title=meeting.topic, **counts,
        )  # fmt: skip
        await db.commit()


async def _record_failure(
    deps: MailCollaborators, meeting: Meeting, attempt: Attempt, reason: str, *, final: bool = False
) -> None:
    """Tell the administrator (Activity) on the first failure and when giving up, not on every retry."""
    final = final or attempt.last
    log.warning("invitations for meeting %s not sent: %s", meeting.id, reason)
    if attempt.number > 1 and not final:
        return
    async with deps.sessions() as db:
        audit.record(
            db, tenant_id=meeting.tenant_id, action="invitations.failed", actor=SYSTEM,
            subject_associate_id=meeting.associate_id, title=meeting.topic, error=reason,
            outcome="not sent" if final else "will try again",
        )  # fmt: skip
        await db.commit()


async def _organizer(db: AsyncSession, meeting: Meeting, tenant: Tenant) -> tuple[str, str]:
    """(name, e-mail) of the appointment's owner, as SuperOffice knew them when they connected."""
    statement = select(UserConnection).where(
        UserConnection.tenant_id == meeting.tenant_id, UserConnection.associate_id == meeting.associate_id
    )
    user = (await db.exec(statement)).first()
    if user is None:
        return tenant.company_name, ""
    name = user.crm_name or tenant.company_name
    return (f"{name}, {tenant.company_name}" if user.crm_name and tenant.company_name else name), user.crm_email


def _deliveries_of(meeting_id: uuid.UUID) -> Any:
    return select(InvitationDelivery).where(InvitationDelivery.meeting_id == meeting_id)
