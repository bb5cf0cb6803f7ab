"""The video meeting web panel (``/panel/...``): a page SuperOffice shows in the follow-up dialog's frame.

It works where the browser blocks (or partitions) third-party cookies, so it uses none. The frame opens a sign-in
window on our own site (first-party: cookies work there); after SuperOffice's sign-in that window hands the frame a
one-minute code by ``postMessage`` to its opener (our own origin only), bound to a verifier only the frame knows (as
PKCE binds an OAuth code). The frame redeems code and verifier for a panel session token, keeps it in its own
(partitioned) ``sessionStorage`` and sends it as ``Authorization: Bearer`` with each htmx request. Framing is allowed
only for the company's SuperOffice (``frame-ancestors``: its WebAPI host and ``MEETINGS_CRM_ORIGINS``).

A new, unsaved follow-up (``<baid>`` 0) is asked to be saved first, rather than given a meeting that is attached on
save: the panel cannot type into the dialog's fields (another origin's frame), so the link could not go into Location
or the text before the save, and a follow-up that is then cancelled would leave a meeting nobody sees. Once saved,
SuperOffice reloads the panel with the follow-up's id, and everything the panel writes is on the saved record.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_502_BAD_GATEWAY,
)
from msgspec import Meta, Struct
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.appointments import AppointmentGone
from backend.crm.ids import is_context_id, parse_id
from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import CrmAccessRefused
from backend.models import ProviderKind, Tenant
from backend.providers.base import ErrorKind, ProviderError, VideoProvider, is_web_address
from backend.security import TokenCipher, UserIdentity
from backend.services import panel_meetings, user_access
from backend.services.configuration import ConfigurationError
from backend.services.crm_grants import CrmAccess, CrmGrantMissing
from backend.services.meetings import Collaborators, MeetingNotFound
from backend.services.panel_meetings import PanelDeps
from backend.services.tokens import ReconnectNeeded
from backend.settings import Settings
from backend.web.bounds import NO_NUL, CrmId
from backend.web.dependencies import AppSettings, Cipher, Crm, DbSession, Providers
from backend.web.security_headers import NO_STORE, content_security_policy
from backend.web.session_user import current_user, require_fresh_sign_in

Who = NamedDependency[UserIdentity]
"""``who``: the user the panel session speaks for."""
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
SIGN_IN_AGAIN = "Your sign-in for video meetings has ended. Sign in again."
RELOAD = "Reload the panel and try again."


class AddMeetingForm(Struct):
    """The panel's *Add video meeting* form: one key per rendering (a double click makes one meeting), and the
    browser's time zone."""

    key: Annotated[str, Meta(min_length=1, max_length=128, pattern=NO_NUL)]
    timezone: Annotated[str, Meta(max_length=64)] = ""


async def frame_ancestors(db: AsyncSession, settings: Settings, context_id: str) -> list[str]:
    """Who may show the panel in a frame: the configured CRM addresses and the tenant's own SuperOffice host."""
    origins = list(settings.crm_origin_list)
    tenant = (await db.exec(select(Tenant).where(Tenant.context_id == context_id))).first() if context_id else None
    if tenant is not None and tenant.webapi_url:
        parts = urlsplit(tenant.webapi_url)
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


@get("/panel/followup")
async def panel_page(
    db_session: DbSession, settings: AppSettings, ctx: FromQuery[str] = "", appointment: FromQuery[str] = ""
) -> Template:
    """The page in the follow-up dialog's frame (``?ctx=<uctx>&appointment=<baid>``)."""
    context_id = ctx if is_context_id(ctx) else ""
    origins = await frame_ancestors(db_session, settings, context_id)
    policy = content_security_policy(frame_ancestors=origins)
    context = {
        "context_id": context_id,
        # SuperOffice's <baid>: a follow-up's id, 0 for a new one (None: not one, the page says so).
        "appointment_id": parse_id(appointment) if context_id else None,
        "crm_origins": json.dumps(origins),
    }
    return Template("pages/panel.html", context=context, headers={"content-security-policy": policy})


@get("/panel/sign-in", guards=[require_fresh_sign_in])
async def panel_sign_in(
    request: Request[Any, Any, Any], state: State, db_session: DbSession, challenge: FromQuery[str] = "",
    ctx: FromQuery[str] = "",
) -> Template:  # fmt: skip
    """The sign-in window: after SuperOffice's sign-in, hand the frame that opened it a code for its challenge."""
    user = current_user(request)
    assert user is not None
    problem = None
    if not _CHALLENGE.match(challenge):
        problem = "Open this window from the Video meeting tab of a follow-up in SuperOffice."
    elif ctx and ctx != user.context_id:
        problem = (f"You are signed in to SuperOffice as a user of {user.company_name} ({user.context_id}), not of "
                   f"{ctx}. Sign in with your {ctx} user.")  # fmt: skip
    elif user.tenant_id is None:
        problem = (f"Video meetings are not set up for {user.company_name} yet. Ask your SuperOffice administrator "
                   "to configure them.")  # fmt: skip
    if problem is not None:
        return Template("pages/panel_sign_in.html", context={"user": user, "error": problem},
                        status_code=HTTP_409_CONFLICT)  # fmt: skip
    assert user.tenant_id is not None
    generation = await user_access.current_generation(db_session, user.tenant_id, user.associate_id)
    identity = UserIdentity(user.tenant_id, user.associate_id, user.context_id, user.company_name, generation)
    code = state.panel_sign_in_codes.issue(identity, challenge=challenge)
    return Template("pages/panel_sign_in.html", context={"user": user, "code": code}, headers=NO_STORE)


@post("/panel/session", status_code=200)
async def panel_session(state: State, data: JSONBody[dict[str, Any]]) -> Response[dict[str, Any]]:
    """Redeem the sign-in window's code with the frame's verifier for a panel session token."""
    code, verifier = data.get("code"), data.get("verifier")
    if not isinstance(code, str) or not isinstance(verifier, str) or not 43 <= len(verifier) <= 128:
        return Response({"error": "invalid_request", "message": "Send the sign-in code and its verifier."},
                        status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    identity = state.panel_sign_in_codes.read(code, challenge=challenge)
    if identity is None:
        return Response({"error": "invalid_grant", "message": "This sign-in has expired. Sign in again."},
                        status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    sessions = state.panel_sessions
    return Response({"token": sessions.issue(identity), "expires_in": int(sessions.lifetime.total_seconds())},
                    headers=NO_STORE)  # fmt: skip


async def panel_identity(request: Request[Any, Any, Any], db_session: DbSession) -> UserIdentity:
    """The user a panel session speaks for; refused when missing, forged, expired or revoked (signed out)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    who = request.app.state.panel_sessions.read(token.strip()) if scheme.lower() == "bearer" else None
    if who is None or not await user_access.still_valid(db_session, who):
        raise NotAuthorizedException(SIGN_IN_AGAIN)
    return who


def _deps(state: State, providers: dict[ProviderKind, VideoProvider], cipher: TokenCipher, crm: CrmAccess) -> PanelDeps:
    return PanelDeps(meetings=Collaborators(sessions=state.sessions, adapters=providers, cipher=cipher), crm=crm)


def _shown(view: panel_meetings.PanelView, appointment_id: int) -> Template:
    join_url = view.meeting.join_url if view.meeting else ""
    if not is_web_address(join_url):
        join_url = ""  # never a javascript: or data: link in our page (rows from before the check)
    context = {"view": view, "appointment_id": appointment_id, "join_url": join_url, "new_key": str(uuid.uuid4())}
    return Template("partials/panel_meeting.html", context=context)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _problem(status: int, message: str, **extra: Any) -> Template:
    return Template("partials/panel_problem.html", context={"message": message, **extra}, status_code=status)


def _handle(request: Request[Any, Any, Any], error: Exception) -> Template:
    """Every failure in the panel becomes a message in the panel, saying what to do."""
    if isinstance(error, NotAuthorizedException | CrmGrantMissing | CrmAccessRefused):
        return _problem(HTTP_401_UNAUTHORIZED, SIGN_IN_AGAIN, sign_in=True)
    if isinstance(error, ReconnectNeeded):
        return _problem(HTTP_409_CONFLICT, error.message, connect_url=f"{request.app.state.public_url}/connect")
    if isinstance(error, AppointmentGone):
        return _problem(HTTP_404_NOT_FOUND, "This follow-up no longer exists in SuperOffice.")
    if isinstance(error, MeetingNotFound):
        return _problem(HTTP_404_NOT_FOUND, "This video meeting is not yours to remove (or is already removed).",
                        reload=True)  # fmt: skip
    if isinstance(error, ConfigurationError):
        return _problem(HTTP_409_CONFLICT, str(error))
    if isinstance(error, ProviderError):
        refused = error.kind in (ErrorKind.REJECTED, ErrorKind.FORBIDDEN)
        return _problem(HTTP_422_UNPROCESSABLE_ENTITY if refused else HTTP_502_BAD_GATEWAY, error.message, retry=True)
    if isinstance(error, CrmUnavailable):
        return _problem(HTTP_502_BAD_GATEWAY, "SuperOffice could not be reached. Try again in a moment.", retry=True)
    # A ValidationException: an address or form the panel's own page never sends (say, from an old rendering).
    return _problem(HTTP_400_BAD_REQUEST, RELOAD, reload=True)


@get("/{appointment_id:int}/meeting")
async def panel_meeting(db_session: DbSession, crm: Crm, who: Who, appointment_id: FromPath[CrmId]) -> Template:
    return _shown(await panel_meetings.view(db_session, who, appointment_id, crm), appointment_id)


@post("/{appointment_id:int}/meeting")
async def panel_add(
    state: State, db_session: DbSession, providers: Providers, cipher: Cipher, crm: Crm, who: Who,
    appointment_id: FromPath[CrmId], data: URLEncodedBody[AddMeetingForm],
) -> Template:  # fmt: skip
    """Add video meeting."""
    view = await panel_meetings.add_meeting(
        db_session, who, appointment_id, key=data.key, timezone=_zone(data.timezone or "UTC"),
        deps=_deps(state, providers, cipher, crm),
    )  # fmt: skip
    return _shown(view, appointment_id)


@post("/{appointment_id:int}/meeting/{meeting_id:uuid}/remove")
async def panel_remove(
    state: State, db_session: DbSession, providers: Providers, cipher: Cipher, crm: Crm, who: Who,
    appointment_id: FromPath[CrmId], meeting_id: FromPath[uuid.UUID],
) -> Template:  # fmt: skip
    view = await panel_meetings.remove_meeting(db_session, who, appointment_id, meeting_id,
                                               _deps(state, providers, cipher, crm))  # fmt: skip
    return _shown(view, appointment_id)


PANEL_FAILURES = (
    NotAuthorizedException, CrmGrantMissing, CrmAccessRefused, ReconnectNeeded, AppointmentGone, MeetingNotFound,
    ConfigurationError, ProviderError, CrmUnavailable, ValidationException,
)  # fmt: skip
PANEL_ERRORS: dict[type[Exception], Any] = dict.fromkeys(PANEL_FAILURES, _handle)
MEETING_ROUTES = Router(
    path="/panel/followup",
    route_handlers=[panel_meeting, panel_add, panel_remove],
    dependencies={"who": Provide(panel_identity)},
    exception_handlers=PANEL_ERRORS,
)
ROUTES = [panel_page, panel_sign_in, panel_session, MEETING_ROUTES]
