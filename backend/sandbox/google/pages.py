"""The meeting page a ``meetingUri`` opens (``meet.google.com/abc-mnop-xyz``), under ``/google/meet`` here."""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_404_NOT_FOUND

from backend.sandbox.google.store import GoogleStore


def _not_found() -> Template:
    context = {"error": "Check your meeting code", "message": "Make sure you entered the correct meeting code."}
    return Template("google_error.html", context=context, status_code=HTTP_404_NOT_FOUND)


@get("/google/meet/{meeting_code:str}", sync_to_thread=False)
def meeting(state: State, meeting_code: FromPath[str]) -> Template:
    store: GoogleStore = state.google
    space = store.space(meeting_code)
    if space is None or space["meeting_code"] != meeting_code.lower():
        return _not_found()
    return Template("google_meeting.html", context={"space": space})


@post("/google/meet/{meeting_code:str}", sync_to_thread=False)
def join(state: State, meeting_code: FromPath[str]) -> Template | Redirect:
    """Join now: the first person in starts the space's conference (no call is placed)."""
    store: GoogleStore = state.google
    space = store.space(meeting_code)
    if space is None or space["meeting_code"] != meeting_code.lower():
        return _not_found()
    store.start_conference(space["id"])
    return Redirect(f"/google/meet/{space['meeting_code']}", status_code=HTTP_303_SEE_OTHER)


ROUTES = [meeting, join]
