"""The configuration page shows the company's SuperOffice webhook as SuperOffice has it, and Repair revives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backend.models import CrmWebhook, Meeting
from backend.security import TokenCipher
from tests.integration.conftest import MakeUser
from tests.support.crm_webhooks import registered_webhooks, shorten_retries
from tests.support.live import LiveServers
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import set_up_company_zoom

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def _save_appointment(browser: httpx.Client, live: LiveServers, title: str, location: str = "") -> dict[str, Any]:
    body = {"Title": title, "StartDate": START.isoformat(), "EndDate": (START + timedelta(hours=1)).isoformat(),
            "Location": location}  # fmt: skip
    saved = browser.post(f"{live.sandbox_url}/Cust12345/api/v1/Appointment", json=body)
    assert saved.status_code == 200, saved.text
    return saved.json()


def test_the_page_says_the_webhook_is_active(live: LiveServers) -> None:
    set_up_company_zoom(live)

    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")

    assert "Webhook: Active" in page_text(page)
    assert "Repair" not in page_text(page)


def test_after_too_many_failed_deliveries_repair_sets_the_webhook_active_again(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    shorten_retries(live)
    # Our side no longer knows the secret SuperOffice signs with: every delivery is refused (401), cycle after cycle.
    cipher = TokenCipher.for_settings(live.settings)
    change_rows(live.settings, CrmWebhook, {"secret_encrypted": cipher.encrypt("a-secret-superoffice-never-had")})
    for number in range(9):
        _save_appointment(anna.browser, live, f"Call {number}")

    eventually(lambda: registered_webhooks(live)[0]["State"] == "TooManyErrors", timeout=20)
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        assert "Webhook: TooManyErrors" in page_text(page)

        repaired = admin.post(
            f"{live.backend_url}/admin/video-meetings/webhook/repair",
            data={"_csrf_token": csrf_token(page)},
            follow_redirects=True,
        )

    assert repaired.status_code == 200, repaired.text
    assert "Webhook: Active" in page_text(repaired)
    assert registered_webhooks(live)[0]["State"] == "Active"
    # SuperOffice now signs with the secret we hold: the next saved follow-up with a meeting is followed again.
    created = anna.api.post("", json={"topic": "After repair", "start": START.isoformat(), "duration_minutes": 60,
                                      "idempotency_key": "after-repair"})  # fmt: skip
    appointment = _save_appointment(anna.browser, live, "After repair", location=created.json()["join_url"])
    eventually(lambda: [m for m in rows(live.settings, Meeting) if m.appointment_id == appointment["AppointmentId"]])


def test_a_webhook_deleted_in_superoffice_is_shown_and_registered_again_by_repair(live: LiveServers) -> None:
    set_up_company_zoom(live)
    (gone,) = registered_webhooks(live)
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        # An administrator removes it in SuperOffice (through the WebAPI, as SuperOffice's own admin screens would).
        _delete_in_superoffice(admin, live, gone["WebhookId"])

        page = admin.get(f"{live.backend_url}/admin/video-meetings")
        assert "The webhook was deleted in SuperOffice" in page_text(page)
        repaired = admin.post(
            f"{live.backend_url}/admin/video-meetings/webhook/repair",
            data={"_csrf_token": csrf_token(page)},
            follow_redirects=True,
        )

    assert "Webhook: Active" in page_text(repaired)
    (again,) = registered_webhooks(live)
    assert again["WebhookId"] != gone["WebhookId"] and again["State"] == "Active"


def _delete_in_superoffice(admin: httpx.Client, live: LiveServers, webhook_id: int) -> None:
    with httpx.Client(timeout=20) as crm:
        answer = crm.post(f"{live.sandbox_url}/login", data={"username": "admin", "password": "admin"})
        assert answer.status_code in (200, 303), answer.text
        deleted = crm.delete(f"{live.sandbox_url}/Cust12345/api/v1/Webhook/{webhook_id}")
        assert deleted.status_code == 204, deleted.text


def test_a_webhook_registered_before_is_reused_not_doubled(live: LiveServers) -> None:
    """SuperOffice saved it but its id never reached our database (a crash, a restored backup): Repair finds it."""
    set_up_company_zoom(live)
    (first,) = registered_webhooks(live)
    change_rows(live.settings, CrmWebhook, {"webhook_id": None, "state": "failed"})

    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        repaired = admin.post(
            f"{live.backend_url}/admin/video-meetings/webhook/repair",
            data={"_csrf_token": csrf_token(page)},
            follow_redirects=True,
        )

    assert "Webhook: Active" in page_text(repaired)
    assert [webhook["WebhookId"] for webhook in registered_webhooks(live)] == [first["WebhookId"]]
    assert [webhook.webhook_id for webhook in rows(live.settings, CrmWebhook)] == [first["WebhookId"]]
