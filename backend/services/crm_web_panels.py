"""Each company's "Video meeting" web panel in SuperOffice's follow-up dialog: saved at SuperOffice when the
provider is connected, taken out on disconnect, shown (and turned off or on) on the configuration page.

The panel is saved through the WebAPI as the administrator who connected (or who changed the setting), found there by
its ProgId (see ``crm/web_panel_registry``), so there is never a second one.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.superoffice import CrmUnavailable
from backend.crm.web_panel_registry import WebPanelRefused, delete_web_panel, save_web_panel
from backend.crm.webapi import CrmAccessRefused
from backend.models import CrmWebPanel, CrmWebPanelState, Tenant, utcnow
from backend.services import jobs
from backend.services.crm_grants import CrmAccess, CrmGrantMissing, forget_crm_grants_once_company_is_gone
from backend.services.jobs import Attempt, RetryLater

SAVE, REMOVE = "save_crm_web_panel", "remove_crm_web_panel"
SIGN_IN_AGAIN = (
    "SuperOffice did not accept the administrator's sign-in for this. Sign out, sign in again as an administrator "
    "and save the setting again."
)
UNREACHABLE = "SuperOffice could not be reached. Try again in a moment."
log = logging.getLogger(__name__)


async def company_web_panel(db: AsyncSession, tenant_id: int) -> CrmWebPanel | None:
    return (await db.exec(select(CrmWebPanel).where(CrmWebPanel.tenant_id == tenant_id))).first()


async def web_panel_due(db: AsyncSession, *, tenant_id: int, associate_id: int) -> None:
    """Add the job that saves the panel at SuperOffice to the caller's transaction (unless an administrator has
    turned it off)."""
    panel = await company_web_panel(db, tenant_id) or CrmWebPanel(tenant_id=tenant_id, saved_by_associate_id=0)
    if not panel.enabled:
        return
    panel.saved_by_associate_id, panel.state = associate_id, CrmWebPanelState.SAVING
    panel.last_error, panel.updated_at = "", utcnow()
    db.add(panel)
    await jobs.enqueue(db, kind=SAVE, key=f"{SAVE}:{tenant_id}", payload={"tenant_id": tenant_id},
                       tenant_id=tenant_id)  # fmt: skip


async def web_panel_removal_due(db: AsyncSession, *, tenant_id: int, associate_id: int) -> bool:
    """Forget the company's panel and add the job that takes it out of SuperOffice's follow-up dialog; whether
    there is such a job (one that needs ``associate_id``'s SuperOffice sign-in)."""
    panel = await company_web_panel(db, tenant_id)
    if panel is None:
        return False
    await db.delete(panel)
    await jobs.enqueue(db, kind=REMOVE, key=f"{REMOVE}:{tenant_id}:{utcnow().timestamp()}",
                       payload={"tenant_id": tenant_id, "associate_id": associate_id}, tenant_id=tenant_id)  # fmt: skip
    return True


def job_functions(crm: CrmAccess, url: str) -> dict[str, jobs.JobFunction]:
    """The jobs; ``url``: the panel's address with SuperOffice's variables (``web_panel_registry.panel_url``)."""

    async def save(payload: dict[str, Any], attempt: Attempt) -> None:
        async with crm.sessions() as db:
            tenant = await db.get(Tenant, payload["tenant_id"])
            panel = await company_web_panel(db, payload["tenant_id"])
            if tenant is None or panel is None or panel.state != CrmWebPanelState.SAVING:
                return
            outcome = await _save(db, crm, tenant, panel, url)
        if outcome == UNREACHABLE:
            raise RetryLater(outcome)

    async def remove(payload: dict[str, Any], attempt: Attempt) -> None:
        async with crm.sessions() as db:
            tenant = await db.get(Tenant, payload["tenant_id"])
            if tenant is None or await company_web_panel(db, payload["tenant_id"]) is not None:
                return  # connected again meanwhile: the panel stays

        async def call(http: httpx.AsyncClient, token: str) -> None:
            await delete_web_panel(http, tenant.webapi_url, token)

        try:
            await crm.as_user(payload["tenant_id"], payload["associate_id"], call)
        except CrmUnavailable as error:
            raise RetryLater(str(error)) from error
        except (CrmGrantMissing, CrmAccessRefused, WebPanelRefused) as error:
            # The panel then says "not set up" to whoever opens it; an administrator can delete it in SuperOffice.
            log.warning("the web panel of %s was not removed: %s", tenant.context_id, type(error).__name__)
        await forget_crm_grants_once_company_is_gone(crm.sessions, payload["tenant_id"])

    return {SAVE: save, REMOVE: remove}


async def show_web_panel(
    db: AsyncSession, crm: CrmAccess, url: str, *, tenant: Tenant, associate_id: int, shown: bool
) -> CrmWebPanel:
    """The administrator's setting: show the panel in the follow-up dialog or not, saved at SuperOffice now."""
    assert tenant.id is not None
    panel = await company_web_panel(db, tenant.id) or CrmWebPanel(tenant_id=tenant.id, saved_by_associate_id=0)
    panel.enabled, panel.saved_by_associate_id = shown, associate_id
    await _save(db, crm, tenant, panel, url)
    return panel


async def _save(db: AsyncSession, crm: CrmAccess, tenant: Tenant, panel: CrmWebPanel, url: str) -> str:
    """Save the panel at SuperOffice as ``panel.enabled`` says and record the outcome; returns the error, if any."""
    assert tenant.id is not None
    shown = panel.enabled

    async def call(http: httpx.AsyncClient, token: str) -> int:
        if shown:
            return (await save_web_panel(http, tenant.webapi_url, token, url=url)).web_panel_id
        await delete_web_panel(http, tenant.webapi_url, token)
        return panel.web_panel_id or 0

    error = ""
    try:
        panel.web_panel_id = await crm.as_user(tenant.id, panel.saved_by_associate_id, call) or None
    except WebPanelRefused as refused:
        error = f"SuperOffice did not accept the web panel: {refused}"
    except (CrmGrantMissing, CrmAccessRefused):
        error = SIGN_IN_AGAIN
    except CrmUnavailable:
        error = UNREACHABLE
    if not error:
        panel.state = CrmWebPanelState.SHOWN if shown else CrmWebPanelState.OFF
    elif error != UNREACHABLE or not shown:
        panel.state = CrmWebPanelState.FAILED
    panel.last_error, panel.updated_at = error, utcnow()
    db.add(panel)
    await db.commit()
    return error
