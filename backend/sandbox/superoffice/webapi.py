"""The emulated REST WebAPI: ``/{ContextId}/api/v1/Appointment`` with SuperOffice's fields and error bodies."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from litestar import Request, Response, delete, get, patch, post, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.status_codes import (
    HTTP_204_NO_CONTENT,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
)

from backend.sandbox.superoffice.demo_world import DemoAssociate
from backend.sandbox.superoffice.entities import EntityError, from_entity, to_entity
from backend.sandbox.superoffice.session import signed_in_associate
from backend.sandbox.superoffice.store import Appointment, AppointmentStore
from backend.sandbox.superoffice.time_zones import RequestZone, UnknownTimeZone, request_zone
from backend.sandbox.superoffice.webhooks import changed_columns, notify


class SuperOfficeError(Exception):
    """Answered as SuperOffice's error body: ``{Error, ErrorType, ErrorMessage, ErrorSource}``."""

    def __init__(self, status_code: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.message = message


def superoffice_error_response(request: Request[Any, Any, Any], error: SuperOfficeError) -> Response[Any]:
    body = {
        "Error": True,
        "ErrorType": error.error_type,
        "ErrorMessage": error.message,
        "ErrorSource": request.url.path,
    }
    return Response(body, status_code=error.status_code)


def caller(request: Request[Any, Any, Any], context_id: str) -> DemoAssociate:
    """The associate behind a Bearer access token (applications) or the web client's sign-in cookie."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        token = request.app.state.oidc.store.by_access_token(credential.strip())
        associate = token.get_user() if token else None
        if associate is None:
            raise SuperOfficeError(HTTP_401_UNAUTHORIZED, "SoUnauthorizedException", "The access token is not valid.")
    else:
        associate = signed_in_associate(request)
    if associate is None:
        raise SuperOfficeError(HTTP_401_UNAUTHORIZED, "SoUnauthorizedException", "Not signed in.")
    if associate.context_id != context_id:
        raise SuperOfficeError(
            HTTP_403_FORBIDDEN, "SoAccessDeniedException", f"You have no access to the context {context_id}."
        )
    return associate


async def entity_body(request: Request[Any, Any, Any]) -> Any:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        # Also what keeps a cookie-authenticated write from being sent by another site's plain form.
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", "Send the entity as application/json.")
    try:
        return json.loads(await request.body())
    except ValueError:
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", "The body is not valid JSON.") from None


def _zone(request: Request[Any, Any, Any]) -> RequestZone:
    try:
        return request_zone(request.headers.get("so-timezone"))
    except UnknownTimeZone as error:
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", str(error)) from None


def _parse(request: Request[Any, Any, Any], body: Any, associate: DemoAssociate) -> Appointment:
    try:
        return from_entity(body, _zone(request), context_id=associate.context_id, associate_id=associate.associate_id)
    except EntityError as error:
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", str(error)) from None


def _existing(store: AppointmentStore, context_id: str, appointment_id: int) -> Appointment:
    appointment = store.get(context_id, appointment_id)
    if appointment is None:
        raise SuperOfficeError(
            HTTP_404_NOT_FOUND, "SoNotFoundException", f"Appointment with id {appointment_id} does not exist."
        )
    return appointment


BASE = "/{context_id:str}/api/v1/Appointment"


@get(BASE + "/{appointment_id:int}")
async def get_appointment(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], appointment_id: FromPath[int]
) -> dict:
    caller(request, context_id)
    return to_entity(_existing(state.appointments, context_id, appointment_id), _zone(request))


def _notifying(
    request: Request[Any, Any, Any], state: State, event: str, appointment: Appointment, changes: list[str]
) -> Response[Any]:
    """The entity as the answer, and the webhooks sent after it (as SuperOffice does, asynchronously)."""
    return Response(
        to_entity(appointment, _zone(request)), background=_webhooks_task(request, state, event, appointment, changes)
    )


def _webhooks_task(
    request: Request[Any, Any, Any], state: State, event: str, appointment: Appointment, changes: list[str]
) -> BackgroundTask:
    changed_by = caller(request, appointment.context_id).associate_id
    return BackgroundTask(notify, state.webhooks, state.webhook_timing, event, appointment, changes, changed_by)


@post(BASE, status_code=200)
async def create_appointment(request: Request[Any, Any, Any], state: State, context_id: FromPath[str]) -> Response[Any]:
    associate = caller(request, context_id)
    created = state.appointments.add(_parse(request, await entity_body(request), associate))
    return _notifying(request, state, "activity.created", created, changed_columns(None, created))


@put(BASE + "/{appointment_id:int}")
async def replace_appointment(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], appointment_id: FromPath[int]
) -> Response[Any]:
    associate = caller(request, context_id)
    stored = _existing(state.appointments, context_id, appointment_id)
    appointment = _parse(request, await entity_body(request), associate)
    # The owner stays the owner, whoever edits.
    replacement = replace(appointment, appointment_id=appointment_id, associate_id=stored.associate_id)
    saved = state.appointments.save(replacement)
    return _notifying(request, state, "activity.changed", saved, changed_columns(stored, saved))


@patch(BASE + "/{appointment_id:int}")
async def patch_appointment(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], appointment_id: FromPath[int]
) -> Response[Any]:
    """JSON Patch (RFC 6902: add, replace, remove, test; paths case-insensitive) or JSON Merge Patch (an object)."""
    associate = caller(request, context_id)
    stored = _existing(state.appointments, context_id, appointment_id)
    entity = to_entity(stored, _zone(request))
    body = await entity_body(request)
    if isinstance(body, dict):
        _merge(entity, body)
    elif isinstance(body, list):
        for operation in body:
            _apply(entity, operation)
    else:
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", "Send a JSON Patch list or an object.")
    appointment = _parse(request, entity, associate)
    saved = state.appointments.save(
        replace(appointment, appointment_id=appointment_id, associate_id=stored.associate_id)
    )
    return _notifying(request, state, "activity.changed", saved, changed_columns(stored, saved))


def _field(entity: dict[str, Any], name: str) -> str:
    """The entity's own spelling of a field named in any case; an unknown field is the client's error."""
    for known in entity:
        if known.lower() == name.lower():
            return known
    raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", f"AppointmentEntity has no field {name}.")


def _merge(entity: dict[str, Any], changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        entity[_field(entity, name)] = value


def _apply(entity: dict[str, Any], operation: Any) -> None:
    if not isinstance(operation, dict) or not str(operation.get("path", "")).startswith("/"):
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", "Each operation needs op and path.")
    op, path = operation.get("op"), str(operation["path"])[1:]
    if "/" in path:
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", "Only top-level fields can be patched.")
    name = _field(entity, path)
    if op in ("add", "replace"):
        entity[name] = operation.get("value")
    elif op == "remove":
        entity[name] = "" if isinstance(entity[name], str) else None
    elif op == "test":
        if entity[name] != operation.get("value"):
            raise SuperOfficeError(HTTP_409_CONFLICT, "SoConflictException", f"The test of {path} failed.")
    else:
        raise SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", f"Unknown JSON Patch op {op!r}.")


@delete(BASE + "/{appointment_id:int}", status_code=200)  # the 204 is built below, with its webhook
async def delete_appointment(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], appointment_id: FromPath[int]
) -> Response[Any]:
    caller(request, context_id)
    stored = _existing(state.appointments, context_id, appointment_id)
    state.appointments.delete(context_id, appointment_id)
    task = _webhooks_task(request, state, "activity.deleted", stored, [])
    return Response(None, status_code=HTTP_204_NO_CONTENT, background=task)


@get("/{context_id:str}/api/v1/User/currentPrincipal")
async def current_principal(request: Request[Any, Any, Any], context_id: FromPath[str]) -> dict:
    """Who the caller is (SuperOffice's answer to "UserInfo"; the field names are UNCONFIRMED beyond these)."""
    associate = caller(request, context_id)
    return {
        "AssociateId": associate.associate_id,
        "UserName": associate.username,
        "FullName": associate.full_name,
        "EMailAddress": associate.email,
        "CtxIdentifier": associate.context_id,
    }


ROUTES = [
    current_principal,
    get_appointment,
    create_appointment,
    replace_appointment,
    patch_appointment,
    delete_appointment,
]
