"""An administrator disconnects the company and connects it again before SuperOffice is cleaned up: the removal
job, when it finally runs, takes neither the new setup's webhook nor the administrator's new sign-in with it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.models import CrmGrant, CrmWebhook, Job, JobState, utcnow
from tests.support.crm_webhooks import registered_webhooks, wait_for_company_webhook
from tests.support.live import LiveServers
from tests.support.providers import disconnect_company
from tests.support.rows import add_rows, delete_rows, rows
from tests.support.signin import csrf_token, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import connect_company_zoom, set_up_company_zoom

ADMIN = 1  # the sandbox's "admin" associate


def _hold_webhook_removal(live: LiveServers) -> Job:
    """A running job with the removal job's key: the worker takes the real one only once this is gone."""
    [webhook] = rows(live.settings, CrmWebhook)
    key = f"remove_crm_webhook:{webhook.tenant_id}:{webhook.webhook_id}"
    [holder] = add_rows(live.settings, Job(kind="test_holder", key=key, state=JobState.RUNNING,
                                           locked_until=utcnow() + timedelta(hours=1)))  # fmt: skip
    return holder


def _release(live: LiveServers, holder: Job) -> None:
    delete_rows(live.settings, Job, Job.id == holder.id)  # type: ignore[arg-type]
    eventually(lambda: not rows(live.settings, Job, Job.kind.startswith("remove_crm_")))  # type: ignore[attr-defined]


def _the_company_webhook_is_ours_and_active(live: LiveServers) -> None:
    [ours] = rows(live.settings, CrmWebhook)
    active = [w["WebhookId"] for w in registered_webhooks(live) if w["State"] == "Active"]
    assert active == [ours.webhook_id], (active, ours)


@pytest.mark.parametrize("cleaned_up", ["before the provider is connected", "after the setup is done"])
def test_connecting_again_before_superoffice_is_cleaned_up_keeps_the_new_setup(
    live: LiveServers, cleaned_up: str
) -> None:
    set_up_company_zoom(live)
    holder = _hold_webhook_removal(live)
    disconnect_company(live)

    with httpx.Client(timeout=20) as admin:
        csrf = csrf_token(sign_in(admin, live, "admin", "/admin/video-meetings"))
        if cleaned_up == "before the provider is connected":
            _release(live, holder)  # the last removal job forgets the sign-ins made before the disconnect only
        connect_company_zoom(admin, live, csrf)
    wait_for_company_webhook(live)
    if cleaned_up == "after the setup is done":
        _release(live, holder)  # deletes the old webhook at SuperOffice, never the one the new setup uses

    _the_company_webhook_is_ours_and_active(live)
    assert [g.associate_id for g in rows(live.settings, CrmGrant)] == [ADMIN]  # kept for the new setup's work
