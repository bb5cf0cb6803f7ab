"""The sandbox's own handles on the Microsoft emulator, for tests and curious people (not part of Microsoft's API)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody

from backend.sandbox.microsoft.meetings import join_web_url
from backend.sandbox.microsoft.store import MicrosoftStore, MicrosoftUser


def _user(state: State, data: dict[str, Any]) -> MicrosoftUser:
    user = state.microsoft.find_user(str(data.get("email", "")))
    if user is None:
        raise NotFoundException("No Microsoft account with this e-mail address has consented to any app.")
    return user


@get("/microsoft/_sandbox/meetings", sync_to_thread=False)
def held_meetings(state: State) -> list[dict[str, Any]]:
    """Every online meeting the emulator holds, deleted ones too (marked)."""
    store: MicrosoftStore = state.microsoft
    held = []
    for meeting in store.meetings():
        owner = store.user(meeting["owner_id"])
        if owner is None:
            continue
        held.append(
            {
                "id": meeting["id"],
                "owner_email": owner.email,
                "subject": meeting["subject"],
                "startDateTime": meeting["start_at"],
                "endDateTime": meeting["end_at"],
                "lobby_scope": meeting["lobby_scope"],
                "joinWebUrl": join_web_url(state.config.public_url, meeting, owner),
                "joinMeetingId": meeting["join_meeting_id"],
                "passcode": meeting["passcode"],
                "creationDateTime": meeting["created_at"],
                "deleted": meeting["deleted"],
            }
        )
    return held


@post("/microsoft/_sandbox/revoke", status_code=200, sync_to_thread=False)
def revoke(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """The user removes the app (My Apps, or an admin deletes the permission grant): refreshes then fail (AADSTS50173);
    access tokens already issued keep working until they expire."""
    user = _user(state, data)
    return {"user_id": user.id, "revoked_grants": state.microsoft.revoke_user(user.id)}


@post("/microsoft/_sandbox/expire-access-tokens", status_code=200, sync_to_thread=False)
def expire_access_tokens(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """The user's access tokens expire now, so a client must refresh."""
    user = _user(state, data)
    return {"user_id": user.id, "expired_tokens": state.microsoft.expire_access_tokens(user.id)}


ROUTES = [held_meetings, revoke, expire_access_tokens]
