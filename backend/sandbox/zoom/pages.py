"""Zoom's pages a person sees: joining or starting a meeting, and the Marketplace's installed apps (uninstall)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND

from backend.sandbox.zoom.apps import send_deauthorized
from backend.sandbox.zoom.oauth import EMAIL_COOKIE
from backend.sandbox.zoom.store import ZoomStore

Form = URLEncodedBody[dict[str, str]]


def _meeting_page(state: State, meeting_id: int, role: str) -> Template:
    meeting = state.zoom.meeting(meeting_id)
    if meeting is None:
        return Template(
            "zoom_error.html", context={"message": "This meeting ID is not valid."}, status_code=HTTP_404_NOT_FOUND
        )
    return Template("zoom_meeting.html", context={"meeting": meeting, "role": role})


@get("/zoom/j/{meeting_id:int}", sync_to_thread=False)
def join(state: State, meeting_id: FromPath[int]) -> Template:
    return _meeting_page(state, meeting_id, "participant")


@get("/zoom/s/{meeting_id:int}", sync_to_thread=False)
def start(state: State, meeting_id: FromPath[int]) -> Template:
    return _meeting_page(state, meeting_id, "host")


def _marketplace(state: State, email: str, message: str | None = None) -> Template:
    store: ZoomStore = state.zoom
    apps = []
    if email:
        user = store.user_for_email(email)
        apps = [
            state.zoom_apps[client_id] for client_id in store.installed_apps(user.id) if client_id in state.zoom_apps
        ]
    return Template("zoom_marketplace.html", context={"email": email, "apps": apps, "message": message})


@get("/zoom/marketplace", sync_to_thread=False)
def installed_apps(request: Request[Any, Any, Any], state: State) -> Template:
    email = request.query_params.get("email") or request.cookies.get(EMAIL_COOKIE, "")
    return _marketplace(state, email)


@post("/zoom/marketplace/uninstall", sync_to_thread=False)
def uninstall(state: State, data: Form) -> Template:
    """Manage > Installed Apps > Uninstall: the app's grants for this user end and the app is told."""
    store: ZoomStore = state.zoom
    app = state.zoom_apps.get(data.get("client_id", ""))
    email = data.get("email", "")
    if app is None or not email:
        return _marketplace(state, email, "Choose an installed app to uninstall.")
    user = store.user_for_email(email)
    store.revoke_user(app.client_id, user.id)
    page = _marketplace(state, email, f"{app.name} was uninstalled.")
    page.background = BackgroundTask(send_deauthorized, app, account_id=user.account_id, user_id=user.id)
    return page


ROUTES = [join, start, installed_apps, uninstall]
