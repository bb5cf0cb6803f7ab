"""A lost or changed token key: connections whose tokens no key decrypts ask to be connected again, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from backend.models import ConnectionState, CrmGrant, CrmWebhook, Meeting, ProviderConnection, UserConnection
from backend.security import TokenCipher
from tests.integration.conftest import MakeUser
from tests.support.crm_webhooks import registered_webhooks, wait_for_company_webhook
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.panel import panel_client
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import arm, connect_company_zoom, connect_user_zoom, consent

KEY_CHANGED = "Its tokens could not be decrypted: the token key changed"
REFUSED = "The provider refused the grant"
MEETING = {"topic": "Review", "start": "2030-01-01T10:00:00+00:00", "duration_minutes": 30}
ANOTHER_KEY = TokenCipher([Fernet.generate_key()])
"""The key of an earlier installation (or the one before MEETINGS_SECRET_KEY changed)."""
UNDER_ANOTHER_KEY = {
    "access_token_encrypted": ANOTHER_KEY.encrypt("access"),
    "refresh_token_encrypted": ANOTHER_KEY.encrypt("refresh"),
}


def _follow_up(user: ExtensionUser, live: LiveServers, title: str, **fields: str) -> dict[str, Any]:
    body = {"Title": title, "StartDate": "2030-01-01T10:00:00+00:00", "EndDate": "2030-01-01T11:00:00+00:00", **fields}
    saved = user.browser.post(f"{live.sandbox_url}/Cust12345/api/v1/Appointment", json=body)
    assert saved.status_code == 200, saved.text
    return saved.json()


@pytest.fixture
def admin(live: LiveServers) -> Iterator[tuple[httpx.Client, str]]:
    """Demo Company's administrator, signed in, with Zoom connected and the passcode saved."""
    with httpx.Client(timeout=20) as client:
        page = sign_in(client, live, "admin", "/admin/video-meetings")
        connect_company_zoom(client, live, csrf_token(page))
        yield client, csrf_token(page)


@pytest.fixture
def anna(admin: tuple[httpx.Client, str], make_extension_user: MakeUser) -> ExtensionUser:
    return make_extension_user("anna", zoom_email="anna@demo.example")


def test_a_user_whose_tokens_no_key_decrypts_is_asked_to_connect_again(live: LiveServers, anna: ExtensionUser) -> None:
    change_rows(live.settings, UserConnection, UNDER_ANOTHER_KEY)

    refused = anna.api.post("", json={**MEETING, "idempotency_key": "a"})

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "connect_needed"
    assert refused.json()["message"] == "Your Zoom connection no longer works. Connect your Zoom account again."
    [connection] = rows(live.settings, UserConnection)
    assert connection.state == ConnectionState.BROKEN
    assert connection.broken_reason.startswith(KEY_CHANGED)
    assert connect_user_zoom(anna.browser, live, "anna@demo.example").status_code == 200
    assert anna.api.post("", json={**MEETING, "idempotency_key": "a"}).status_code == 201
    [connection] = rows(live.settings, UserConnection)
    assert (connection.state, connection.broken_reason) == (ConnectionState.ACTIVE, "")


def test_manage_users_shows_whose_connection_broke_and_why(
    live: LiveServers, admin: tuple[httpx.Client, str], anna: ExtensionUser, make_extension_user: MakeUser
) -> None:
    client, _ = admin
    bjorn = make_extension_user("bjorn", zoom_email="bjorn.zoom@demo.example")
    change_rows(live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(minutes=1)},
                UserConnection.associate_id == 3)  # fmt: skip
    arm(live, "invalid_grant", target="token")
    assert bjorn.api.post("", json={**MEETING, "idempotency_key": "b"}).json()["error"] == "connect_needed"
    change_rows(live.settings, UserConnection, UNDER_ANOTHER_KEY, UserConnection.associate_id == 2)

    listed = client.get(f"{live.backend_url}/admin/video-meetings/users")  # before Anna has tried to use hers

    assert listed.status_code == 200
    page = page_text(listed)
    assert "Anna Andersen anna@demo.example Zoom: anna@demo.example" in page
    assert f"Needs reconnect {KEY_CHANGED}" in page
    assert f"Needs reconnect {REFUSED}" in page
    broken = {c.associate_id: c for c in rows(live.settings, UserConnection)}
    assert broken[2].state == broken[3].state == ConnectionState.BROKEN
    assert broken[2].broken_reason.startswith(KEY_CHANGED) and broken[3].broken_reason.startswith(REFUSED)


def test_the_company_connection_under_another_key_shows_as_broken_and_is_connected_again(
    live: LiveServers, admin: tuple[httpx.Client, str], anna: ExtensionUser
) -> None:
    client, csrf = admin
    change_rows(live.settings, ProviderConnection, UNDER_ANOTHER_KEY)

    page = client.get(f"{live.backend_url}/admin/video-meetings")

    assert page.status_code == 200
    assert f"Your Zoom connection broke. {KEY_CHANGED}" in page_text(page)
    [company] = rows(live.settings, ProviderConnection)
    assert company.state == ConnectionState.BROKEN and company.broken_reason.startswith(KEY_CHANGED)
    # The users' own grants still work meanwhile.
    assert anna.api.post("", json={**MEETING, "idempotency_key": "meanwhile"}).status_code == 201

    again = client.post(f"{live.backend_url}/admin/video-meetings/provider", data={"provider": "zoom",
                                                                                   "_csrf_token": csrf})  # fmt: skip
    assert again.status_code == 303, again.text
    back = client.get(str(consent(live, again.headers["location"], "it@demo.example")), follow_redirects=True)

    assert "Your SuperOffice installation is configured with the following meeting service Zoom" in page_text(back)
    [company] = rows(live.settings, ProviderConnection)
    assert (company.state, company.broken_reason) == (ConnectionState.ACTIVE, "")
    assert company.provider_settings["passcode"] == "Pass1234"  # the company's setting is kept


def test_a_superoffice_sign_in_under_another_key_is_forgotten_and_the_user_signs_in_again(
    live: LiveServers, anna: ExtensionUser
) -> None:
    follow_up = _follow_up(anna, live, "Visit")
    panel = panel_client(live, "anna")
    assert rows(live.settings, CrmGrant, CrmGrant.associate_id == 2) != []
    change_rows(live.settings, CrmGrant, UNDER_ANOTHER_KEY, CrmGrant.associate_id == 2)

    shown = panel.get(f"/{follow_up['AppointmentId']}/meeting")

    assert shown.status_code == 401, shown.text
    assert "Sign in again" in page_text(shown) and "data-panel-sign-in" in shown.text
    assert rows(live.settings, CrmGrant, CrmGrant.associate_id == 2) == []
    assert panel_client(live, "anna").get(f"/{follow_up['AppointmentId']}/meeting").status_code == 200


def test_a_webhook_secret_under_another_key_is_shown_and_repair_gives_it_a_new_one(
    live: LiveServers, admin: tuple[httpx.Client, str], anna: ExtensionUser
) -> None:
    client, csrf = admin
    wait_for_company_webhook(live)
    change_rows(live.settings, CrmWebhook, {"secret_encrypted": ANOTHER_KEY.encrypt("the-secret-superoffice-has")})

    page = client.get(f"{live.backend_url}/admin/video-meetings")

    assert page.status_code == 200
    assert "Its secret could not be decrypted: the token key changed" in page_text(page)
    repaired = client.post(f"{live.backend_url}/admin/video-meetings/webhook/repair", data={"_csrf_token": csrf},
                           follow_redirects=True)  # fmt: skip
    assert repaired.status_code == 200, repaired.text
    assert "Webhook: Active" in page_text(repaired) and "could not be decrypted" not in page_text(repaired)
    assert registered_webhooks(live)[0]["State"] == "Active"
    # SuperOffice signs with the new secret we hold: a follow-up saved with a meeting's link is followed again.
    made = anna.api.post("", json={**MEETING, "idempotency_key": "after-repair"}).json()
    saved = _follow_up(anna, live, "After repair", Location=made["join_url"])
    eventually(lambda: [m for m in rows(live.settings, Meeting) if m.appointment_id == saved["AppointmentId"]])
