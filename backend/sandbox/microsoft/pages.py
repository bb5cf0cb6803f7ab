"""The Teams page a join link opens (``https://teams.microsoft.com/l/meetup-join/...``): what the meeting is."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND

from backend.sandbox.microsoft.meetings import LOBBY_WORDS


@get("/microsoft/teams/l/meetup-join/{rest:path}", sync_to_thread=False)
def join(state: State, rest: FromPath[str]) -> Template:
    """``/l/meetup-join/19:meeting_...@thread.v2/0?context=...``: the chat thread names the meeting."""
    meeting = state.microsoft.meeting_by_thread(rest.strip("/").split("/")[0])
    if meeting is None or meeting["deleted"]:
        return Template(
            "microsoft_error.html",
            context={"message": "This meeting link is no longer valid: the meeting was deleted or never existed."},
            status_code=HTTP_404_NOT_FOUND,
        )
    owner = state.microsoft.user(meeting["owner_id"])
    context = {"meeting": meeting, "organizer": owner, "lobby": LOBBY_WORDS[meeting["lobby_scope"]]}
    return Template("microsoft_meeting.html", context=context)


ROUTES = [join]
