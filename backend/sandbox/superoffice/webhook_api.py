"""``/{ContextId}/api/v1/Webhook``: registering, reading, changing and removing webhooks through the WebAPI.

As SuperOffice documents it (SuperOfficeDocs/superoffice-docs ``docs/en/automation/webhook/register.md`` and
``docs/en/api/reference/restful/rest/Webhook/``): the entity is ``{WebhookId, Name, Events, TargetUrl, Secret, State,
Type, Headers, Properties, Registered, RegisteredAssociate, Updated, UpdatedAssociate, ErrorsEmail}``; saving
test-POSTs the target, which must answer 200; the target must be HTTPS (the emulator lets plain HTTP through only
for loopback addresses, where the sandbox's own backend lives). "The Webhook agent is not available in Online by
default": who may call it is UNCONFIRMED; the emulator lets administrators only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND

from backend.sandbox.superoffice.demo_world import DemoAssociate, find_associate
from backend.sandbox.superoffice.time_zones import RequestZone
from backend.sandbox.superoffice.webapi import SuperOfficeError, caller, entity_body
from backend.sandbox.superoffice.webhook_store import STATES, Webhook, WebhookStore
from backend.sandbox.superoffice.webhooks import test_post

BASE = "/{context_id:str}/api/v1/Webhook"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
UTC_DATES = RequestZone("UTC", include_offset=True)


def _administrator(request: Request[Any, Any, Any], context_id: str) -> DemoAssociate:
    associate = caller(request, context_id)
    if not associate.is_administrator:
        raise SuperOfficeError(
            HTTP_403_FORBIDDEN, "SoAccessDeniedException", "Only administrators may manage webhooks."
        )
    return associate


def _associate(context_id: str, associate_id: int) -> dict[str, Any] | None:
    associate = find_associate(context_id, associate_id)
    if associate is None:
        return None
    return {"AssociateId": associate.associate_id, "Name": associate.username, "FullName": associate.full_name}


def to_entity(webhook: Webhook) -> dict[str, Any]:
    return {
        "WebhookId": webhook.webhook_id,
        "Name": webhook.name,
        "Events": list(webhook.events),
        "TargetUrl": webhook.target_url,
        "Secret": webhook.secret,
        "State": webhook.state,
        "Type": webhook.type,
        "Headers": {},
        "Properties": {},
        "Registered": UTC_DATES.write_utc(webhook.registered),
        "RegisteredAssociate": _associate(webhook.context_id, webhook.registered_associate_id),
        "Updated": UTC_DATES.write_utc(webhook.updated),
        "UpdatedAssociate": _associate(webhook.context_id, webhook.updated_associate_id),
        "ErrorsEmail": "",
        "_Links": {
            "Self": f"/{webhook.context_id}/api/v1/Webhook/{webhook.webhook_id}",
            "Archive": f"/{webhook.context_id}/api/v1/Webhook",
        },
    }


def _refused(message: str) -> SuperOfficeError:
    return SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", message)


def _from_entity(body: Any, context_id: str, associate: DemoAssociate) -> Webhook:
    if not isinstance(body, dict):
        raise _refused("The body must be a JSON object (a WebhookEntity).")
    name, events, target, secret = body.get("Name"), body.get("Events"), body.get("TargetUrl"), body.get("Secret")
    state, kind = body.get("State", "Active"), body.get("Type", "webhook")
    if not isinstance(name, str) or not name.strip():
        raise _refused("Name is required.")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) and e for e in events):
        raise _refused("Events must be a list of event names, e.g. ['activity.created'].")
    if not isinstance(target, str) or not target:
        raise _refused("TargetUrl is required.")
    parts = urlsplit(target)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise _refused("TargetUrl must be an HTTPS address.")
    if not isinstance(secret, str) or not secret:
        raise _refused("Secret is required.")
    if state not in STATES:
        raise _refused(f"State must be one of {', '.join(STATES)}.")
    if kind != "webhook":
        raise _refused("Type must be 'webhook' (HTTP POST notifications).")
    return Webhook(
        context_id=context_id, name=name.strip(), events=tuple(events), target_url=target, secret=secret,
        state=state, type=kind, registered_associate_id=associate.associate_id,
        updated_associate_id=associate.associate_id,
    )  # fmt: skip


async def _tested(webhook: Webhook, associate: DemoAssociate) -> None:
    answer = await test_post(webhook, associate.associate_id)
    if answer != 200:
        raise _refused(f"The TargetUrl did not answer the test POST with 200 OK (it answered {answer}).")


def _existing(store: WebhookStore, context_id: str, webhook_id: int) -> Webhook:
    webhook = store.get(context_id, webhook_id)
    if webhook is None:
        raise SuperOfficeError(
            HTTP_404_NOT_FOUND, "SoNotFoundException", f"Webhook with id {webhook_id} does not exist."
        )
    return webhook


@post(BASE, status_code=200)
async def create_webhook(request: Request[Any, Any, Any], state: State, context_id: FromPath[str]) -> dict:
    associate = _administrator(request, context_id)
    webhook = _from_entity(await entity_body(request), context_id, associate)
    await _tested(webhook, associate)
    return to_entity(state.webhooks.add(webhook))


@get(BASE, sync_to_thread=False)
def list_webhooks(request: Request[Any, Any, Any], state: State, context_id: FromPath[str]) -> list[dict]:
    _administrator(request, context_id)
    return [to_entity(webhook) for webhook in state.webhooks.of_tenant(context_id)]


@get(BASE + "/{webhook_id:int}", sync_to_thread=False)
def get_webhook(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], webhook_id: FromPath[int]
) -> dict:
    _administrator(request, context_id)
    return to_entity(_existing(state.webhooks, context_id, webhook_id))


@put(BASE + "/{webhook_id:int}")
async def replace_webhook(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], webhook_id: FromPath[int]
) -> dict:
    """Saving again tests the target again; setting ``State`` back to Active clears the failed cycles."""
    associate = _administrator(request, context_id)
    stored = _existing(state.webhooks, context_id, webhook_id)
    changed = _from_entity(await entity_body(request), context_id, associate)
    await _tested(changed, associate)
    errors = 0 if changed.state == "Active" else stored.consecutive_errors
    saved = replace(
        changed, webhook_id=webhook_id, registered=stored.registered,
        registered_associate_id=stored.registered_associate_id, consecutive_errors=errors,
    )  # fmt: skip
    return to_entity(state.webhooks.save(saved))


@delete(BASE + "/{webhook_id:int}", status_code=HTTP_204_NO_CONTENT)
async def delete_webhook(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], webhook_id: FromPath[int]
) -> Response[None]:
    _administrator(request, context_id)
    _existing(state.webhooks, context_id, webhook_id)
    state.webhooks.delete(context_id, webhook_id)
    return Response(None, status_code=HTTP_204_NO_CONTENT)


ROUTES = [create_webhook, list_webhooks, get_webhook, replace_webhook, delete_webhook]
