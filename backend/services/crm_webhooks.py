"""Each company's SuperOffice webhook: registered when its provider is connected, removed on disconnect, shown and
repaired on the configuration page.

The webhook is registered at the company's own SuperOffice through the WebAPI as the administrator who connected the
provider, with a random secret of its own (kept encrypted), pointing at ``/webhooks/superoffice/{ContextId}``. So an
event is verified with its company's secret: one company's secret can never move another company's meetings.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.ids import is_context_id
from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import CrmAccessRefused
from backend.crm.webhook_registry import (
    RegisteredWebhook,
    WebhookGone,
    WebhookRefused,
    activate_webhook,
    delete_webhook,
    find_webhook,
    read_webhook,
    register_webhook,
)
from backend.models import CrmWebhook, CrmWebhookState, Job, JobState, Tenant, utcnow
from backend.security import InvalidToken, TokenCipher
from backend.services import jobs
from backend.services.crm_grants import CrmAccess, CrmGrantMissing, forget_crm_grants_once_company_is_gone
from backend.services.jobs import Attempt, RetryLater

REGISTER, REMOVE = "register_crm_webhook", "remove_crm_webhook"
SIGN_IN_AGAIN = (
    "SuperOffice did not accept the administrator's sign-in for this. Sign out, sign in again as an administrator "
    "and click Repair."
)
UNREACHABLE = "SuperOffice could not be reached. Try Repair again in a moment."
UNDECRYPTABLE = (
    "Its secret could not be decrypted: the token key changed (MEETINGS_TOKEN_KEYS, or MEETINGS_SECRET_KEY when no "
    "token keys are set), so its events are refused. Repair gives it a new secret."
)
log = logging.getLogger(__name__)
TargetUrl = Callable[[Tenant], str]


def target_url_for(public_url: str) -> TargetUrl:
    """Where a company's webhook sends its events: our address plus the company's context id."""
    return lambda tenant: f"{public_url.rstrip('/')}/webhooks/superoffice/{quote(tenant.context_id, safe='')}"


async def company_webhook(db: AsyncSession, tenant_id: int) -> CrmWebhook | None:
    return (await db.exec(select(CrmWebhook).where(CrmWebhook.tenant_id == tenant_id))).first()


async def webhook_due(db: AsyncSession, cipher: TokenCipher, *, tenant_id: int, associate_id: int) -> None:
    """Add the registration job to the caller's transaction (nothing when the company's webhook is working)."""
    webhook = await company_webhook(db, tenant_id)
    if webhook is not None and webhook.webhook_id and webhook.state == CrmWebhookState.ACTIVE:
        return
    if webhook is None:
        webhook = _new_webhook(cipher, tenant_id, associate_id)
    webhook.registered_by_associate_id, webhook.state = associate_id, CrmWebhookState.REGISTERING
    webhook.last_error, webhook.updated_at = "", utcnow()
    db.add(webhook)
    await jobs.enqueue(db, kind=REGISTER, key=f"{REGISTER}:{tenant_id}", payload={"tenant_id": tenant_id},
                       tenant_id=tenant_id)  # fmt: skip


async def webhook_removal_due(db: AsyncSession, *, tenant_id: int, associate_id: int) -> bool:
    """Forget the company's webhook (its secret goes at once) and add the job that deletes it at SuperOffice;
    whether there is such a job (one that needs ``associate_id``'s SuperOffice sign-in)."""
    webhook = await company_webhook(db, tenant_id)
    if webhook is None:
        return False
    await db.delete(webhook)
    if not webhook.webhook_id:
        return False  # never registered at SuperOffice: nothing to remove there
    payload = {"tenant_id": tenant_id, "webhook_id": webhook.webhook_id, "associate_id": associate_id}
    await jobs.enqueue(db, kind=REMOVE, key=f"{REMOVE}:{tenant_id}:{webhook.webhook_id}", payload=payload,
                       tenant_id=tenant_id)  # fmt: skip
    return True


async def webhook_secret(db: AsyncSession, cipher: TokenCipher, context_id: str) -> tuple[Tenant, str] | None:
    """The company and its webhook's secret, for verifying an event sent to its address."""
    if not is_context_id(context_id):
        return None  # no company's address (nor a text PostgreSQL could compare: it refuses a NUL)
    tenant = (await db.exec(select(Tenant).where(Tenant.context_id == context_id))).first()
    webhook = await company_webhook(db, tenant.id) if tenant is not None and tenant.id is not None else None
    if tenant is None or webhook is None:
        return None
    secret = _secret(cipher, webhook)
    return (tenant, secret) if secret else None


def job_functions(crm: CrmAccess, target_url: TargetUrl) -> dict[str, jobs.JobFunction]:
    async def register(payload: dict[str, Any], attempt: Attempt) -> None:
        async with crm.sessions() as db:
            tenant = await db.get(Tenant, payload["tenant_id"])
            webhook = await company_webhook(db, payload["tenant_id"])
            if tenant is None or webhook is None or webhook.state != CrmWebhookState.REGISTERING:
                return
            outcome = await _register_or_activate(db, crm, tenant, webhook, target_url(tenant), activate=False)
        if outcome == UNREACHABLE:
            raise RetryLater(outcome)

    async def remove(payload: dict[str, Any], attempt: Attempt) -> None:
        async with crm.sessions() as db:
            tenant = await db.get(Tenant, payload["tenant_id"])
        if tenant is None:
            return

        async def call(http: httpx.AsyncClient, token: str) -> None:
            await delete_webhook(http, tenant.webapi_url, token, payload["webhook_id"])

        try:
            await crm.as_user(payload["tenant_id"], payload["associate_id"], call)
        except CrmUnavailable as error:
            raise RetryLater(str(error)) from error
        except (CrmGrantMissing, CrmAccessRefused, WebhookRefused) as error:
            # Its secret is gone, so whatever it still sends is refused; an administrator can delete it in SuperOffice.
            log.warning("the SuperOffice webhook of %s was not removed: %s", tenant.context_id, type(error).__name__)
        await forget_crm_grants_once_company_is_gone(crm.sessions, payload["tenant_id"])

    return {REGISTER: register, REMOVE: remove}


async def current_webhook(db: AsyncSession, crm: CrmAccess, *, tenant: Tenant, associate_id: int) -> CrmWebhook | None:
    """The company's webhook with its state as SuperOffice has it now (read as this administrator, when we can)."""
    assert tenant.id is not None
    webhook = await company_webhook(db, tenant.id)
    if webhook is None or not webhook.webhook_id or webhook.state in (CrmWebhookState.REGISTERING,):
        return webhook
    if webhook.last_error == UNDECRYPTABLE:  # said (and logged) already: only Repair changes it
        return webhook
    webhook_id = webhook.webhook_id

    async def call(http: httpx.AsyncClient, token: str) -> RegisteredWebhook:
        return await read_webhook(http, tenant.webapi_url, token, webhook_id)

    try:
        if _secret(crm.cipher, webhook) is None:
            state, error = CrmWebhookState.FAILED, UNDECRYPTABLE
        else:
            now = await crm.as_user(tenant.id, associate_id, call)
            state, error = _state(now.state, webhook.state), ""
    except WebhookGone:
        state, error = CrmWebhookState.FAILED, "The webhook was deleted in SuperOffice. Repair registers it again."
    except (CrmGrantMissing, CrmAccessRefused, CrmUnavailable, WebhookRefused):
        return webhook  # what we knew last
    if (state, error) != (webhook.state, webhook.last_error):
        webhook.state, webhook.last_error, webhook.updated_at = state, error, utcnow()
        db.add(webhook)
        await db.commit()
    return webhook


async def repair_webhook(
    db: AsyncSession, crm: CrmAccess, target_url: TargetUrl, *, tenant: Tenant, associate_id: int
) -> CrmWebhook:
    """Save the company's webhook as Active again (or register it anew), now, as this administrator."""
    assert tenant.id is not None
    webhook = await company_webhook(db, tenant.id)
    if webhook is None:
        webhook = _new_webhook(crm.cipher, tenant.id, associate_id)
    webhook.registered_by_associate_id = associate_id
    await _register_or_activate(db, crm, tenant, webhook, target_url(tenant), activate=True)
    return webhook


async def _register_or_activate(
    db: AsyncSession, crm: CrmAccess, tenant: Tenant, webhook: CrmWebhook, target: str, *, activate: bool
) -> str:
    """Register (or save Active) at SuperOffice and record the outcome on ``webhook``; returns the error, if any."""
    assert tenant.id is not None
    secret = _secret(crm.cipher, webhook)
    if secret is None:  # lost with the old token key: SuperOffice is given a new one now
        secret = secrets.token_urlsafe(32)
        webhook.secret_encrypted, activate = crm.cipher.encrypt(secret) or "", True
        db.add(webhook)
        await db.commit()  # before saving it at SuperOffice, whose test POST is signed with it
    known_id = webhook.webhook_id
    going = await _webhooks_being_removed(db, tenant.id)

    async def call(http: httpx.AsyncClient, token: str) -> RegisteredWebhook:
        # One webhook per company: one we registered before (even if its id was never stored) is saved again, but
        # never one a disconnect's job is about to delete.
        webhook_id = known_id
        if not webhook_id:
            found = await find_webhook(http, tenant.webapi_url, token, target_url=target, skip=going)
            webhook_id = found.webhook_id if found else None
        if webhook_id:
            try:
                if activate or webhook_id != known_id:
                    return await activate_webhook(http, tenant.webapi_url, token, webhook_id, target_url=target,
                                                  secret=secret)  # fmt: skip
                return await read_webhook(http, tenant.webapi_url, token, webhook_id)
            except WebhookGone:
                pass
        return await register_webhook(http, tenant.webapi_url, token, target_url=target, secret=secret)

    error = ""
    try:
        registered = await crm.as_user(tenant.id, webhook.registered_by_associate_id, call)
    except WebhookRefused as refused:
        error = f"SuperOffice did not accept the webhook: {refused}"
    except (CrmGrantMissing, CrmAccessRefused):
        error = SIGN_IN_AGAIN
    except CrmUnavailable:
        error = UNREACHABLE
    else:
        webhook.webhook_id = registered.webhook_id
        webhook.state = _state(registered.state, webhook.state)
    if error and error != UNREACHABLE:
        webhook.state = CrmWebhookState.FAILED
    webhook.last_error, webhook.updated_at = error, utcnow()
    db.add(webhook)
    await db.commit()
    return error


async def _webhooks_being_removed(db: AsyncSession, tenant_id: int) -> set[int]:
    """The company's webhooks a removal job (of an earlier disconnect) has yet to delete at SuperOffice."""
    removals = select(Job.payload).where(
        Job.kind == REMOVE, Job.tenant_id == tenant_id, col(Job.state).in_([JobState.PENDING, JobState.RUNNING])
    )
    return {int(payload["webhook_id"]) for payload in (await db.exec(removals)).all()}


def _secret(cipher: TokenCipher, webhook: CrmWebhook) -> str | None:
    """The webhook's secret; None when no configured key decrypts it (the token key changed)."""
    try:
        return cipher.decrypt(webhook.secret_encrypted) or ""
    except InvalidToken:
        log.warning(
            "the SuperOffice webhook secret of tenant %s cannot be decrypted (a changed key?)", webhook.tenant_id
        )
        return None


def _new_webhook(cipher: TokenCipher, tenant_id: int, associate_id: int) -> CrmWebhook:
    """The company's webhook before it is registered, with a random secret of its own."""
    secret = cipher.encrypt(secrets.token_urlsafe(32)) or ""
    return CrmWebhook(tenant_id=tenant_id, secret_encrypted=secret, registered_by_associate_id=associate_id)


def _state(superoffice_state: str, otherwise: CrmWebhookState) -> CrmWebhookState:
    try:
        return CrmWebhookState(superoffice_state)
    except ValueError:
        return otherwise
