"""The company's invitation settings: Mail Link mode or an invitation template with variables such as ``{burl}``.

Templates are plain text. ``{name}`` is a variable; ``{{`` and ``}}`` are literal braces. An unknown variable is an
error the administrator sees, never silently dropped. Rendering never evaluates anything from the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import Tenant
from backend.services import audit
from backend.services.audit import Actor

MAIL_LINK, TEMPLATE = "mail_link", "template"
MODES = {MAIL_LINK: "Mail Link", TEMPLATE: "Invitation template"}
MAX_TEMPLATE_LENGTH = 4000
VARIABLES = {
    "burl": "the video meeting's join link",
    "title": "the appointment's title",
    "start": "when it starts",
    "end": "when it ends",
    "organizer": "who invites",
    "passcode": "the meeting passcode",
}
DEFAULT_TEMPLATE = """You are invited to {title}.

When: {start} - {end}
Join the video meeting: {burl}
Passcode: {passcode}

{organizer}"""

_PIECE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TemplateError(ValueError):
    """What is wrong with a template, for the administrator."""


@dataclass(frozen=True)
class InvitationValues:
    burl: str
    title: str
    start: datetime
    end: datetime
    organizer: str
    passcode: str = ""
    timezone_label: str = "UTC"

    def as_text(self) -> dict[str, str]:
        when = "%-d %B %Y %H:%M"
        return {
            "burl": self.burl,
            "title": self.title,
            "start": f"{self.start.strftime(when)} {self.timezone_label}",
            "end": f"{self.end.strftime(when)} {self.timezone_label}",
            "organizer": self.organizer,
            "passcode": self.passcode,
        }


def check_template(template: str) -> None:
    """Raise TemplateError naming every problem: unknown variables, stray braces, too long, unprintable."""
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(f"The template is too long: at most {MAX_TEMPLATE_LENGTH} characters.")
    if _CONTROL.search(template):
        # No e-mail carries them, and PostgreSQL cannot even store a NUL.
        raise TemplateError("The template has an invisible control character (pasted from elsewhere?): remove it.")
    unknown, stray = [], False
    for match in _PIECE.finditer(template):
        piece, name = match.group(0), match.group(1)
        if piece in ("{{", "}}"):
            continue
        if name is None:
            stray = True
        elif name.strip() not in VARIABLES:
            unknown.append(name)
    problems = []
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in VARIABLES)
        names = ", ".join(f"{{{name}}}" for name in dict.fromkeys(unknown))
        problems.append(f"Unknown variable{'s' if len(set(unknown)) > 1 else ''} {names}: use {known}.")
    if stray:
        problems.append("A single { or } is not allowed: write {{ or }} for a brace.")
    if problems:
        raise TemplateError(" ".join(problems))


def render(template: str, values: InvitationValues) -> str:
    """The invitation text (plain text). The template must have passed check_template.

    A line whose variables are all empty is left out ("Passcode: {passcode}" for a meeting without a passcode).
    """
    text = values.as_text()

    def substitute(match: re.Match[str]) -> str:
        piece, name = match.group(0), match.group(1)
        if piece in ("{{", "}}"):
            return piece[0]
        return text[name.strip()] if name is not None else piece

    def empty(line: str) -> bool:
        names = [m.group(1).strip() for m in _PIECE.finditer(line) if m.group(1) is not None]
        return bool(names) and not any(text[name] for name in names)

    return "\n".join(_PIECE.sub(substitute, line) for line in template.split("\n") if not empty(line))


def sample_values() -> InvitationValues:
    """A made-up appointment for the live preview."""
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return InvitationValues(
        burl="https://zoom.us/j/85746065432?pwd=sample",
        title="Quarterly review with Nordic Tools",
        start=start,
        end=start + timedelta(hours=1),
        organizer="Anna Andersen, Demo Company AS",
        passcode="Pass1234",
    )


def template_of(tenant: Tenant) -> str:
    return tenant.invitation_template if tenant.invitation_template is not None else DEFAULT_TEMPLATE


async def save_invitation_settings(
    db: AsyncSession, tenant: Tenant, *, mode: str, template: str, admin: Actor
) -> Tenant:
    """Store the mode and (in template mode) a valid template; TemplateError when it is not valid."""
    if mode not in MODES:
        raise TemplateError("Choose Invitation template or Mail Link.")
    template = template.replace("\r\n", "\n")
    if mode == TEMPLATE:
        check_template(template)
        if not template.strip():
            raise TemplateError("Write the invitation text, with {burl} where the meeting link goes.")
    tenant.invitation_mode = mode
    if mode == TEMPLATE:
        tenant.invitation_template = template
    db.add(tenant)
    assert tenant.id is not None
    audit.record(db, tenant_id=tenant.id, action="invitations.saved", actor=admin, mode=mode)
    await db.commit()
    return tenant
