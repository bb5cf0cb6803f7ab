"""The emulated CRM web client: sign-in, the diary and the follow-up dialog (drawn by ``static/webclient.js``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_401_UNAUTHORIZED

from backend.sandbox.superoffice.demo_world import ASSOCIATES, MEETING_TYPES, TENANTS, authenticate
from backend.sandbox.superoffice.entities import to_entity
from backend.sandbox.superoffice.session import safe_next, sign_in, signed_in_associate
from backend.sandbox.superoffice.time_zones import RequestZone
from backend.sandbox.superoffice.webapi import SuperOfficeError

MAX_DIARY_SPAN = timedelta(days=62)


@get("/login", sync_to_thread=False)
def login_form(next: FromQuery[str | None] = None) -> Template:
    return Template("login.html", context={"next": safe_next(next), "error": None, "username": ""})


@post("/login", sync_to_thread=False)
def login(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[dict[str, str]],
) -> Redirect | Template:
    username, password = data.get("username", ""), data.get("password", "")
    target = safe_next(data.get("next"))
    associate = authenticate(username, password)
    if associate is None:
        context = {"next": target, "username": username, "error": "The user name or password is not correct."}
        return Template("login.html", context=context, status_code=HTTP_401_UNAUTHORIZED)
    sign_in(request, associate)
    return Redirect(target, status_code=HTTP_303_SEE_OTHER)


@get("/logout", sync_to_thread=False)
def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/login", status_code=HTTP_303_SEE_OTHER)


@get("/", sync_to_thread=False)
def diary(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The signed-in associate's diary; the page's script draws the week and the follow-up dialog."""
    associate = signed_in_associate(request)
    if associate is None:
        return Redirect("/login?next=/", status_code=HTTP_303_SEE_OTHER)
    context = {
        "associate": associate,
        "tenant": TENANTS[associate.context_id],
        "meeting_types": MEETING_TYPES,
    }
    return Template("diary.html", context=context)


WEB_CLIENT_ZONE = RequestZone("UTC", include_offset=True)
"""The web client asks the WebAPI for UTC with offsets (``SO-TimeZone: UTC, includeTZOffset``); its own diary call
answers the same way."""


@get("/webclient/diary", sync_to_thread=True)
def diary_entries(
    request: Request[Any, Any, Any], state: State, start: FromQuery[str], end: FromQuery[str]
) -> list[dict[str, Any]]:
    """The web client's own call (not part of the WebAPI contract): appointments overlapping [start, end)."""
    associate = signed_in_associate(request)
    if associate is None:
        raise SuperOfficeError(HTTP_401_UNAUTHORIZED, "SoUnauthorizedException", "Not signed in.")
    try:
        window = datetime.fromisoformat(start), datetime.fromisoformat(end)
    except ValueError:
        raise SuperOfficeError(
            HTTP_400_BAD_REQUEST, "SoArgumentException", "start and end must be date-times."
        ) from None
    if any(moment.tzinfo is None for moment in window) or not timedelta(0) < window[1] - window[0] <= MAX_DIARY_SPAN:
        raise SuperOfficeError(
            HTTP_400_BAD_REQUEST,
            "SoArgumentException",
            "start and end need offsets and may span at most 62 days.",
        )
    appointments = state.appointments.diary(associate.context_id, associate.associate_id, *window)
    return [to_entity(appointment, WEB_CLIENT_ZONE) for appointment in appointments]


@get("/settings", sync_to_thread=False)
def settings_page(request: Request[Any, Any, Any], state: State) -> Template | Redirect:
    """Settings and maintenance: Preferences, with the Video meetings tab and its Configure button."""
    associate = signed_in_associate(request)
    if associate is None:
        return Redirect("/login?next=/settings", status_code=HTTP_303_SEE_OTHER)
    context = {"associate": associate, "tenant": TENANTS[associate.context_id], "backend_url": state.config.backend_url}
    return Template("settings.html", context=context)


@get("/demo-users", sync_to_thread=False)
def demo_users() -> Template:
    """Who can sign in to the sandbox (also printed by ``make run`` and listed in the README)."""
    return Template("demo_users.html", context={"associates": ASSOCIATES, "tenants": TENANTS})


ROUTES = [login_form, login, logout, diary, diary_entries, settings_page, demo_users]
