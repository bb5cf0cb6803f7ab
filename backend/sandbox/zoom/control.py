"""The sandbox's own handles on the Zoom emulator, for tests and curious people (not part of Zoom's API)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from backend.sandbox.zoom.apps import send_deauthorized, validate_endpoint


@get("/zoom/_sandbox/meetings", sync_to_thread=False)
def held_meetings(state: State) -> list[dict[str, Any]]:
    """Every meeting the emulator holds (what Zoom would show in its web portal)."""
    return state.zoom.meetings()


@post("/zoom/_sandbox/validate-webhook")
async def validate_webhook(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Send ``endpoint.url_validation`` to an app's endpoint, as Zoom does when its URL is saved."""
    app = state.zoom_apps.get(str(data.get("client_id", "")))
    if app is None:
        raise NotFoundException("No such app.")
    return await validate_endpoint(app)


@post("/zoom/_sandbox/uninstall")
async def uninstall(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Uninstall an app for the user with this e-mail address, and wait until the app was told."""
    app = state.zoom_apps.get(str(data.get("client_id", "")))
    if app is None:
        raise NotFoundException("No such app.")
    user = state.zoom.user_for_email(str(data.get("email", "")))
    revoked = state.zoom.revoke_user(app.client_id, user.id)
    await send_deauthorized(app, account_id=user.account_id, user_id=user.id)
    return {"user_id": user.id, "account_id": user.account_id, "revoked_tokens": revoked}


def _held(state: State, meeting_id: int, progress: str) -> dict[str, Any]:
    if state.zoom.meeting(meeting_id) is None:
        raise NotFoundException("No such meeting.")
    state.zoom.set_progress(meeting_id, progress)
    return state.zoom.meeting(meeting_id)


@post("/zoom/_sandbox/meetings/{meeting_id:int}/start", status_code=200, sync_to_thread=False)
def start_meeting(state: State, meeting_id: FromPath[int]) -> dict[str, Any]:
    """The host starts the meeting: it is in progress (Zoom then refuses to delete it, code 3002)."""
    return _held(state, meeting_id, "started")


@post("/zoom/_sandbox/meetings/{meeting_id:int}/end", status_code=200, sync_to_thread=False)
def end_meeting(state: State, meeting_id: FromPath[int]) -> dict[str, Any]:
    """The host ends the meeting: it has ended (Zoom then refuses to delete it, code 3007)."""
    return _held(state, meeting_id, "ended")


ROUTES = [held_meetings, validate_webhook, uninstall, start_meeting, end_meeting]
