"""Google Meet REST v2 (``https://meet.googleapis.com/v2``), under ``/google/meet/v2`` in the sandbox.

Spaces can be created, read (by id or meeting code), patched with an ``updateMask`` and have their active
conference ended; there is no delete and no list. Errors come in Google's format,
``{"error": {"code", "message", "status"}}``.

Another user's (or another app's) space answers 403 PERMISSION_DENIED, an unknown one 404 NOT_FOUND: Google's
API rules (AIP-211) check permission before existence, and ``meetings.space.created`` covers only the spaces this
app created for this user (UNCONFIRMED for Meet specifically).
"""

from __future__ import annotations

import json
import time
from typing import Any

from litestar import Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath

from backend.sandbox.faults import Fault, FaultKind, Target
from backend.sandbox.google import scopes
from backend.sandbox.google.store import Bearer, GoogleStore

SERVICE = "google.apps.meet.v2.SpacesService"
ENUMS = {
    "accessType": ("access_type", "AccessType", ("OPEN", "TRUSTED", "RESTRICTED")),
    "entryPointAccess": ("entry_point_access", "EntryPointAccess", ("ALL", "CREATOR_APP_ONLY")),
}
DEFAULTS = {"accessType": "TRUSTED", "entryPointAccess": "ALL"}
"""What ``*_UNSPECIFIED`` (or nothing) becomes: the sandbox's users all default to TRUSTED."""
SPACE_FIELDS = {"name", "meetingUri", "meetingCode", "config", "activeConference", "phoneAccess", "gatewaySipAccess"}
UNEMULATED_CONFIG = {"moderation", "moderationRestrictions", "attendanceReportGenerationType", "artifactConfig"}


class GoogleApiError(Exception):
    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message
        self.details, self.headers = details or [], headers or {}


def google_error_response(_: Request[Any, Any, Any], error: GoogleApiError) -> Response[Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message, "status": error.status}
    if error.details:
        body["details"] = error.details
    return Response({"error": body}, status_code=error.code, headers=error.headers)


def _invalid(message: str) -> GoogleApiError:
    return GoogleApiError(400, "INVALID_ARGUMENT", message)


def _error_info(reason: str, method: str) -> list[dict[str, Any]]:
    return [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": {"service": "meet.googleapis.com", "method": f"{SERVICE}.{method}"},
        }
    ]


async def _raise_fault(request: Request[Any, Any, Any], fault: Fault, method: str) -> None:
    if fault.kind is FaultKind.HANG:
        await request.app.state.faults.hang(request.receive)
    if fault.kind in (FaultKind.RATE_LIMITED, FaultKind.DAILY_LIMIT):
        raise GoogleApiError(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service"
            " 'meet.googleapis.com'.",
            details=_error_info("RATE_LIMIT_EXCEEDED", method),
            headers={"Retry-After": str(fault.retry_after_seconds)},
        )
    if fault.kind is FaultKind.INVALID_GRANT:
        raise _unauthenticated()
    raise GoogleApiError(503, "UNAVAILABLE", "The service is currently unavailable.")


def _unauthenticated() -> GoogleApiError:
    return GoogleApiError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid"
        " authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


async def _caller(request: Request[Any, Any, Any], state: State, method: str) -> Bearer:
    """Who calls, with the Meet scope; or the armed fault, 401 or 403 as Google answers."""
    fault = state.faults.take("google", Target.API)
    if fault is not None:
        await _raise_fault(request, fault, method)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    store: GoogleStore = state.google
    bearer = store.bearer(credential.strip()) if scheme.lower() == "bearer" else None
    if bearer is None or bearer.revoked or bearer.expires_at <= time.time():
        raise _unauthenticated()
    if scopes.MEET_CREATED not in bearer.scope:
        raise GoogleApiError(
            403,
            "PERMISSION_DENIED",
            "Request had insufficient authentication scopes.",
            details=_error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", method),
        )
    return bearer


def space_body(state: State, space: dict[str, Any]) -> dict[str, Any]:
    """A Space as the API returns it; ``meetingUri`` opens the sandbox's meeting page."""
    body: dict[str, Any] = {
        "name": f"spaces/{space['id']}",
        "meetingUri": f"{state.config.public_url}/google/meet/{space['meeting_code']}",
        "meetingCode": space["meeting_code"],
        "config": {"accessType": space["access_type"], "entryPointAccess": space["entry_point_access"]},
    }
    if space["conference"]:
        body["activeConference"] = {"conferenceRecord": space["conference"]}
    return body


async def _json_body(request: Request[Any, Any, Any]) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _invalid("Invalid JSON payload received. Unexpected token.") from None


def _config_given(body: Any) -> dict[str, str]:
    """The config values a Space body sets, checked as Google parses a request body."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _invalid("Invalid JSON payload received. Expected an object.")
    for name in body:
        if name not in SPACE_FIELDS:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.')
    config = body.get("config") or {}
    if not isinstance(config, dict):
        raise _invalid("Invalid JSON payload received. 'space.config' must be an object.")
    given: dict[str, str] = {}
    for name, value in config.items():
        if name in UNEMULATED_CONFIG:
            raise _invalid(f"config.{name} is a real Meet setting the sandbox does not emulate.")
        if name not in ENUMS:
            raise _invalid(
                f"Invalid JSON payload received. Unknown name \"{name}\" at 'space.config': Cannot find field."
            )
        field, enum, allowed = ENUMS[name]
        if value == f"{field.upper()}_UNSPECIFIED":
            value = DEFAULTS[name]
        if value not in allowed:
            raise _invalid(
                f"Invalid value at 'space.config.{field}' (type.googleapis.com/google.apps.meet.v2."
                f'SpaceConfig.{enum}), "{value}"'
            )
        given[name] = value
    return given


def _masked(mask: str) -> set[str]:
    """The config fields an ``updateMask`` names (camelCase or snake_case paths, comma-separated)."""
    fields: set[str] = set()
    for path in (part.strip() for part in mask.split(",")):
        camel = "".join(word if i == 0 else word[:1].upper() + word[1:] for i, word in enumerate(path.split("_")))
        if camel in ("*", "config"):
            fields |= set(ENUMS)
        elif camel.startswith("config.") and camel.removeprefix("config.") in ENUMS:
            fields.add(camel.removeprefix("config."))
        else:
            raise _invalid(
                f'Invalid update mask path: "{path}". Updatable: config.accessType, config.entryPointAccess.'
            )
    return fields


def _own_space(store: GoogleStore, reference: str, caller: Bearer, *, by_code: bool = False) -> dict[str, Any]:
    space = store.space(reference)
    if space is None or (not by_code and space["id"] != reference):
        raise GoogleApiError(404, "NOT_FOUND", "Requested entity was not found.")
    if space["owner_sub"] != caller.sub or space["client_id"] != caller.client_id:
        raise GoogleApiError(403, "PERMISSION_DENIED", "The caller does not have permission")
    return space


@post("/google/meet/v2/spaces", status_code=200)
async def create_space(request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    caller = await _caller(request, state, "CreateSpace")
    config = {**DEFAULTS, **_config_given(await _json_body(request))}
    space = state.google.add_space(caller.sub, caller.client_id, config["accessType"], config["entryPointAccess"])
    return space_body(state, space)


@get("/google/meet/v2/spaces/{space:str}")
async def get_space(request: Request[Any, Any, Any], state: State, space: FromPath[str]) -> dict[str, Any]:
    caller = await _caller(request, state, "GetSpace")
    return space_body(state, _own_space(state.google, space, caller, by_code=True))


@patch("/google/meet/v2/spaces/{space:str}", status_code=200)
async def update_space(request: Request[Any, Any, Any], state: State, space: FromPath[str]) -> dict[str, Any]:
    caller = await _caller(request, state, "UpdateSpace")
    current = _own_space(state.google, space, caller)
    given = _config_given(await _json_body(request))
    mask = request.query_params.get("updateMask", "").strip()
    # Google: no mask updates every field the body sets; a named field missing from the body is reset.
    fields = _masked(mask) if mask else set(given)
    config = {"accessType": current["access_type"], "entryPointAccess": current["entry_point_access"]}
    config |= {name: given.get(name, DEFAULTS[name]) for name in fields}
    state.google.update_space(
        current["id"], access_type=config["accessType"], entry_point_access=config["entryPointAccess"]
    )
    return space_body(state, state.google.space(current["id"]) or current)


@post("/google/meet/v2/spaces/{space:str}", status_code=200)
async def space_action(request: Request[Any, Any, Any], state: State, space: FromPath[str]) -> dict[str, Any]:
    """Custom methods, ``spaces/{space}:verb``; Meet has one, ``endActiveConference``."""
    space_id, _, verb = space.partition(":")
    if verb != "endActiveConference":
        raise GoogleApiError(404, "NOT_FOUND", f"Method not found: {verb or space}")
    caller = await _caller(request, state, "EndActiveConference")
    current = _own_space(state.google, space_id, caller)
    if not state.google.end_conference(current["id"]):
        # UNCONFIRMED: Google's answer when no conference is running (documented only as "if there's one").
        raise GoogleApiError(400, "FAILED_PRECONDITION", "There is no active conference in the space.")
    return {}


ROUTES = [create_space, get_space, update_space, space_action]
EXCEPTION_HANDLERS = {GoogleApiError: google_error_response}
