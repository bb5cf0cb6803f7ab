"""``/webhooks/{provider}``: notifications from the video providers, verified before anything is done."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
)

from backend.crm.webhooks import CrmWebhookMalformed, CrmWebhookRejected, read_event, verify_signature
from backend.models import ProviderKind
from backend.providers.base import ProviderDeauthorized, WebhookChallenge, WebhookRejected
from backend.services.crm_events import appointment_event
from backend.services.crm_webhooks import webhook_secret
from backend.services.deauthorization import holders, provider_deauthorized
from backend.services.webhook_receipts import ReplayedDelivery, record_delivery
from backend.web.dependencies import Cipher, DbSession, Providers

log = logging.getLogger(__name__)


@post("/webhooks/{provider:str}", status_code=HTTP_200_OK)
async def provider_webhook(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    db_session: DbSession,
    providers: Providers,
    cipher: Cipher,
) -> Response[dict[str, Any]]:
    """Notifications from a video provider. Whatever is verified is acknowledged with the provider's status, also what
    we ignore on purpose and deliveries we already handled (Zoom sends again anything not answered 200 or 204)."""
    adapter = providers.get(ProviderKind(provider)) if provider in ProviderKind._value2member_map_ else None
    if adapter is None:
        return Response({"error": "unknown_provider"}, status_code=HTTP_404_NOT_FOUND)
    try:
        event, digest = await adapter.read_webhook(request.headers, await request.body(), datetime.now(UTC))
    except WebhookRejected as error:
        log.warning("%s webhook refused: %s", adapter.name, error)
        status, body = adapter.webhook_refusal(error)
        return Response(body, status_code=status)
    acknowledged = adapter.webhook_ack_status
    try:
        await record_delivery(db_session, adapter.kind, digest, accepted_for=adapter.webhook_max_age)
    except ReplayedDelivery:
        return Response({"status": "duplicate"}, status_code=acknowledged)  # handled before: nothing more to do
    if isinstance(event, WebhookChallenge):
        return Response(event.body)
    if isinstance(event, ProviderDeauthorized):
        user_ids = [event.user_id] if event.user_id else await holders(db_session, adapter.kind, event, cipher)
        for user_id in user_ids:  # none: a token or person we do not hold (any more), nothing of ours to remove
            removed = await provider_deauthorized(
                db_session, provider=adapter.kind, user_id=user_id, account_id=event.account_id
            )
            log.info("%s app removed by a user: %d company setups, %d user connections, %d meetings' data deleted",
                     adapter.name, removed.companies, removed.users, removed.meetings)  # fmt: skip
    return Response({"status": "ok"}, status_code=acknowledged)


@post("/webhooks/superoffice/{context_id:str}", status_code=HTTP_200_OK)
async def superoffice_webhook(
    request: Request[Any, Any, Any], context_id: FromPath[str], db_session: DbSession, cipher: Cipher
) -> Response[dict[str, Any]]:
    """A company's appointment events from its SuperOffice, verified with that company's own webhook secret.

    Answered at once, each EventId acted on once (SuperOffice retries), never refused for being late.
    """
    company = await webhook_secret(db_session, cipher, context_id)
    if company is None:
        return Response({"error": "unknown_company", "message": "No company's webhook has this address."},
                        status_code=HTTP_404_NOT_FOUND)  # fmt: skip
    tenant, secret = company
    body = await request.body()
    try:
        verify_signature(request.headers, body, secret)
        event = read_event(body)
    except CrmWebhookRejected as error:
        log.warning("SuperOffice webhook for %s refused: %s", context_id, error)
        return Response({"error": "rejected", "message": str(error)}, status_code=HTTP_401_UNAUTHORIZED)
    except CrmWebhookMalformed as error:
        return Response({"error": "invalid_request", "message": str(error)}, status_code=HTTP_400_BAD_REQUEST)
    if event.context_id not in (tenant.context_id, "Default"):  # "Default": the test event, and on-site installations
        message = f"This notification is for {event.context_id}, not for {tenant.context_id}."
        return Response({"error": "invalid_request", "message": message}, status_code=HTTP_400_BAD_REQUEST)
    if not event.about_an_appointment:
        return Response({"status": "ignored"})  # the test POST on save, or an event we did not ask for
    try:
        await record_delivery(db_session, "superoffice", f"{tenant.id}:{event.event_id}")
    except ReplayedDelivery:
        return Response({"status": "duplicate"})  # a retry of one we handled: SuperOffice may stop now
    outcome = await appointment_event(db_session, tenant, event)
    log.info("appointment %s %s: %s", event.primary_key, event.kind, outcome)
    return Response({"status": "ok"})
