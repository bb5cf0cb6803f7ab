"""The company's webhook at its SuperOffice, through the WebAPI (``/api/v1/Webhook``) as an administrator.

SuperOffice test-POSTs the target when a webhook is saved and refuses the save (400) when the target does not answer
200 or is not HTTPS (SuperOfficeDocs/superoffice-docs ``docs/en/automation/webhook/register.md``). After 9 failed
delivery cycles a webhook's ``State`` is ``TooManyErrors`` until it is saved ``Active`` again (``notification.md``).
In SuperOffice Online the Webhook agent must be asked for when the application is registered.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import httpx

from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import error_message, webapi_call

EVENTS = ("activity.created", "activity.changed", "activity.deleted")
NAME = "Meetings for SuperOffice"


class WebhookRefused(Exception):
    """SuperOffice did not accept the webhook (the message is SuperOffice's, e.g. the target's test POST failed)."""


class WebhookGone(Exception):
    """No webhook with that id at SuperOffice (any more)."""


@dataclass(frozen=True)
class RegisteredWebhook:
    webhook_id: int
    state: str


def _url(webapi_url: str, webhook_id: int | None = None) -> str:
    base = f"{webapi_url.rstrip('/')}/v1/Webhook"
    return base if webhook_id is None else f"{base}/{webhook_id}"


def _registered(response: httpx.Response) -> RegisteredWebhook:
    if response.status_code == 404:
        raise WebhookGone(error_message(response))
    if response.status_code != 200:
        raise WebhookRefused(error_message(response))
    try:
        body = response.json()
        return RegisteredWebhook(webhook_id=int(body["WebhookId"]), state=str(body["State"]))
    except (ValueError, KeyError, TypeError) as error:
        raise CrmUnavailable("SuperOffice's answer was not a webhook") from error


def _entity(target_url: str, secret: str, state: str) -> dict[str, Any]:
    return {"Name": NAME, "Events": list(EVENTS), "TargetUrl": target_url, "Secret": secret, "State": state,
            "Type": "webhook"}  # fmt: skip


async def register_webhook(
    http: httpx.AsyncClient, webapi_url: str, access_token: str, *, target_url: str, secret: str
) -> RegisteredWebhook:
    response = await webapi_call(
        http, "POST", _url(webapi_url), access_token, json=_entity(target_url, secret, "Active")
    )
    return _registered(response)


async def find_webhook(
    http: httpx.AsyncClient, webapi_url: str, access_token: str, *, target_url: str, skip: Collection[int] = ()
) -> RegisteredWebhook | None:
    """A webhook already registered for ``target_url`` (say, by an attempt whose answer we never stored), other than
    those in ``skip``."""
    response = await webapi_call(http, "GET", _url(webapi_url), access_token)
    if response.status_code != 200:
        raise WebhookRefused(error_message(response))
    try:
        listed = response.json()
        return next(
            (
                RegisteredWebhook(int(w["WebhookId"]), str(w["State"]))
                for w in listed
                if w.get("TargetUrl") == target_url and int(w["WebhookId"]) not in skip
            ),
            None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CrmUnavailable("SuperOffice's answer was not a list of webhooks") from error


async def read_webhook(
    http: httpx.AsyncClient, webapi_url: str, access_token: str, webhook_id: int
) -> RegisteredWebhook:
    return _registered(await webapi_call(http, "GET", _url(webapi_url, webhook_id), access_token))


async def activate_webhook(
    http: httpx.AsyncClient, webapi_url: str, access_token: str, webhook_id: int, *, target_url: str, secret: str
) -> RegisteredWebhook:
    """Save the webhook as ``Active`` again (SuperOffice tests the target once more)."""
    entity = {"WebhookId": webhook_id, **_entity(target_url, secret, "Active")}
    return _registered(await webapi_call(http, "PUT", _url(webapi_url, webhook_id), access_token, json=entity))


async def delete_webhook(http: httpx.AsyncClient, webapi_url: str, access_token: str, webhook_id: int) -> None:
    """Remove it; one that is already gone is fine."""
    response = await webapi_call(http, "DELETE", _url(webapi_url, webhook_id), access_token)
    if response.status_code not in (200, 204, 404):
        raise WebhookRefused(error_message(response))
