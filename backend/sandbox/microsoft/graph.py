"""Microsoft Graph (``https://graph.microsoft.com``), under ``/microsoft/graph`` in the sandbox: ``/me`` and
standalone online meetings (``/me/onlineMeetings``), with Graph's errors.

Evolvable enum members (a lobby bypass scope of ``invited``) are read back as ``unknownFutureValue`` unless the request
has ``Prefer: include-unknown-enum-members``; new meetings have no passcode unless one is asked for.

Bearer access tokens from ``/microsoft/login``; an unknown or expired one is 401 ``InvalidAuthenticationToken``, one
without the needed scope 403 ``Forbidden``. A revoked grant's access tokens keep working until they expire, as
Microsoft's do. Meetings are not put on any calendar; PATCH answers with the whole meeting and never changes
``joinWebUrl``; a deleted meeting (or another user's) is 404 ``NotFound``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.sandbox.microsoft import scopes
from backend.sandbox.microsoft.errors import GraphError, graph_fault
from backend.sandbox.microsoft.meetings import UNKNOWN_ENUM_MEMBERS, meeting_fields, meeting_json
from backend.sandbox.microsoft.store import MicrosoftStore, MicrosoftUser

ME = "/microsoft/graph/v1.0/me"
MEETING = "/microsoft/graph/v1.0/me/onlineMeetings/{meeting_id:str}"


def _unauthenticated(state: State, message: str) -> GraphError:
    challenge = (
        f'Bearer realm="", authorization_uri="{state.config.public_url}/microsoft/login/common/oauth2/'
        'authorize", client_id="00000003-0000-0000-c000-000000000000"'
    )
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": challenge})


async def _caller(request: Request[Any, Any, Any], state: State, needed: frozenset[str]) -> MicrosoftUser:
    """The user behind the Bearer token, if the token carries one of the ``needed`` scopes (or the armed fault)."""
    await graph_fault(request, state)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise _unauthenticated(state, "Access token is empty.")
    store: MicrosoftStore = state.microsoft
    token = store.access_token(credential.strip())
    if token is None:
        raise _unauthenticated(state, "Access token validation failure. Invalid audience.")
    if token.expires_at <= time.time():
        raise _unauthenticated(state, "Lifetime validation failed, the token is expired.")
    if not scopes.has_any(token.scopes, needed):
        raise GraphError(
            403,
            "Forbidden",
            "Missing scope permissions on the request. API requires one of"
            f" '{', '.join(sorted(needed))}'. Scopes on the request '{' '.join(token.scopes)}'",
        )
    return token.user


async def _body(request: Request[Any, Any, Any]) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise GraphError(
            400,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header"
            " is set and payload is of valid JSON format.",
        ) from None


def _own_meeting(store: MicrosoftStore, meeting_id: str, user: MicrosoftUser) -> dict[str, Any]:
    meeting = store.meeting(meeting_id)
    if meeting is None or meeting["owner_id"] != user.id or meeting["deleted"]:
        raise GraphError(404, "NotFound", "The specified online meeting was not found.")
    return meeting


def _answer(
    request: Request[Any, Any, Any], state: State, meeting: dict[str, Any], owner: MicrosoftUser, status_code: int = 200
) -> Response[Any]:
    preferences = {p.strip().lower() for p in ",".join(request.headers.getall("prefer", [])).split(",")}
    opted_in = UNKNOWN_ENUM_MEMBERS in preferences
    body = meeting_json(state.config.public_url, meeting, owner, unknown_enum_members=opted_in)
    return Response(body, status_code=status_code)


@get(ME)
async def me(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    user = await _caller(request, state, scopes.READ_PROFILE)
    first, _, last = user.display_name.partition(" ")
    return Response(
        {
            "@odata.context": f"{state.config.public_url}/microsoft/graph/v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": user.display_name,
            "givenName": first,
            "jobTitle": None,
            "mail": user.mail,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
            "surname": last or None,
            "userPrincipalName": user.email,
            "id": user.id,
        }
    )


@post(f"{ME}/onlineMeetings", status_code=HTTP_201_CREATED)
async def create_meeting(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    user = await _caller(request, state, scopes.WRITE_MEETINGS)
    meeting = state.microsoft.add_meeting(user, meeting_fields(await _body(request), None))
    return _answer(request, state, meeting, user, HTTP_201_CREATED)


@get(MEETING)
async def get_meeting(request: Request[Any, Any, Any], state: State, meeting_id: FromPath[str]) -> Response[Any]:
    user = await _caller(request, state, scopes.READ_MEETINGS)
    return _answer(request, state, _own_meeting(state.microsoft, meeting_id, user), user)


@patch(MEETING)
async def update_meeting(request: Request[Any, Any, Any], state: State, meeting_id: FromPath[str]) -> Response[Any]:
    user = await _caller(request, state, scopes.WRITE_MEETINGS)
    store: MicrosoftStore = state.microsoft
    fields = meeting_fields(await _body(request), _own_meeting(store, meeting_id, user))
    if fields:
        store.update_meeting(meeting_id, fields)
    return _answer(request, state, _own_meeting(store, meeting_id, user), user)


@delete(MEETING, status_code=200)  # the answer (204, no body) is built below
async def delete_meeting(request: Request[Any, Any, Any], state: State, meeting_id: FromPath[str]) -> Response[Any]:
    user = await _caller(request, state, scopes.WRITE_MEETINGS)
    _own_meeting(state.microsoft, meeting_id, user)
    state.microsoft.delete_meeting(meeting_id)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


ROUTES = [me, create_meeting, get_meeting, update_meeting, delete_meeting]
