"""Zoom's notifications at /webhooks/zoom: URL validation, uninstall (app_deauthorized), forgeries and replays."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.models import AuditEvent, CrmGrant, Meeting, MeetingState, ProviderConnection, UserConnection
from backend.sandbox.zoom.apps import ZoomApp, signed_event
from tests.integration.conftest import MakeUser
from tests.support.crm_webhooks import registered_webhooks, wait_for_company_webhook
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import connect_company_zoom


def _app(live: LiveServers, secret: str | None = None) -> ZoomApp:
    s = live.settings
    assert s.zoom_webhook_secret is not None
    return ZoomApp(s.zoom_client_id, "", (), f"{s.public_url}/webhooks/zoom",
                   secret or s.zoom_webhook_secret.get_secret_value())  # fmt: skip


def _uninstall(live: LiveServers, email: str) -> dict[str, str]:
    answer = httpx.post(f"{live.sandbox_url}/zoom/_sandbox/uninstall",
                        json={"client_id": live.settings.zoom_client_id, "email": email})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def admin_page(live: LiveServers) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        connect_company_zoom(admin, live, csrf_token(page), email="it@demo.example")
        yield admin


@pytest.fixture
def anna(admin_page: httpx.Client, make_extension_user: MakeUser) -> ExtensionUser:
    return make_extension_user("anna", zoom_email="anna@demo.example")


def test_zoom_validates_our_endpoint(live: LiveServers) -> None:
    answer = httpx.post(f"{live.sandbox_url}/zoom/_sandbox/validate-webhook",
                        json={"client_id": live.settings.zoom_client_id})  # fmt: skip

    assert answer.json() == {"validated": True, "status": 200}


def test_a_user_uninstalling_the_app_removes_only_their_connection(live: LiveServers, anna: ExtensionUser) -> None:
    zoom_user = _uninstall(live, "anna@demo.example")

    assert rows(live.settings, UserConnection) == []
    assert len(rows(live.settings, ProviderConnection)) == 1
    [event] = [e for e in rows(live.settings, AuditEvent) if e.action == "user.deauthorized"]
    assert (event.actor_kind, event.subject_associate_id) == ("provider", 2)
    assert zoom_user["revoked_tokens"] >= 1
    body = {"topic": "x", "start": "2026-12-01T10:00:00+00:00", "duration_minutes": 30, "idempotency_key": "k"}
    refused = anna.api.post("", json=body)
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")  # her browsers sign in again
    assert [g.associate_id for g in rows(live.settings, CrmGrant)] == [1]  # her kept SuperOffice sign-in is gone


def test_the_installing_administrator_uninstalling_removes_the_company_setup(
    live: LiveServers, anna: ExtensionUser, admin_page: httpx.Client
) -> None:
    assert wait_for_company_webhook(live)
    _uninstall(live, "it@demo.example")

    assert rows(live.settings, ProviderConnection) == []
    assert rows(live.settings, UserConnection) == []
    # Nothing of the company stays at SuperOffice either, and no sign-in is kept once that is done.
    eventually(lambda: registered_webhooks(live) == [] and rows(live.settings, CrmGrant) == [])
    [event] = [e for e in rows(live.settings, AuditEvent) if e.action == "provider.deauthorized"]
    assert event.detail["user_connections_removed"] == 1
    assert "Video meetings are not configured yet." in page_text(
        admin_page.get(f"{live.backend_url}/admin/video-meetings")
    )


@pytest.mark.parametrize("problem", ["forged", "stale", "unsigned"])
def test_a_notification_that_is_not_provably_zoom_changes_nothing(
    live: LiveServers, anna: ExtensionUser, problem: str
) -> None:
    [connection] = rows(live.settings, UserConnection)
    payload = {"account_id": "a", "user_id": connection.provider_user_id, "client_id": live.settings.zoom_client_id}
    app = _app(live, secret="not-the-secret" if problem == "forged" else None)
    body, headers = signed_event(app, "app_deauthorized", payload,
                                 timestamp=int(time.time()) - (600 if problem == "stale" else 0))  # fmt: skip
    if problem == "unsigned":
        del headers["x-zm-signature"]

    refused = httpx.post(app.webhook_url, content=body, headers=headers)

    assert refused.status_code == 401
    assert len(rows(live.settings, UserConnection)) == 1


def test_the_same_delivery_twice_is_acknowledged_and_done_once(live: LiveServers, anna: ExtensionUser) -> None:
    """Zoom sends again whatever is not answered 200 or 204: a delivery handled before is acknowledged, not refused."""
    app = _app(live)
    body, headers = signed_event(app, "meeting.started", {"object": {"id": 1}})

    first = httpx.post(app.webhook_url, content=body, headers=headers)
    second = httpx.post(app.webhook_url, content=body, headers=headers)

    assert (first.status_code, first.json()) == (200, {"status": "ok"})
    assert (second.status_code, second.json()) == (200, {"status": "duplicate"})


@pytest.mark.parametrize("message", [[1, 2], "app_deauthorized", {"event": "app_deauthorized", "payload": "anna"},
                                     {"event": ["x"], "payload": None}, {"payload": {"user_id": 7}}])  # fmt: skip
def test_odd_but_signed_notifications_never_break_the_receiver(
    live: LiveServers, anna: ExtensionUser, message: object
) -> None:
    app = _app(live)
    now = int(time.time())
    body = json.dumps(message)
    digest = hmac.new(app.webhook_secret.encode(), f"v0:{now}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "x-zm-request-timestamp": str(now), "x-zm-signature": f"v0={digest}"}

    answer = httpx.post(app.webhook_url, content=body, headers=headers)

    assert answer.status_code in (200, 401), answer.text
    assert len(rows(live.settings, UserConnection)) == 1


def test_uninstalling_deletes_what_we_hold_of_the_users_meetings(live: LiveServers, anna: ExtensionUser) -> None:
    """Zoom's app_deauthorized: the user's Zoom data goes, the meetings' links, passcodes and ids too."""
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = anna.api.post("", json={"topic": "Plan", "start": start, "duration_minutes": 30, "idempotency_key": "k1"})
    assert made.status_code == 201, made.text
    [before] = rows(live.settings, Meeting)
    assert (before.join_url, before.passcode, before.provider_meeting_id) != ("", "", "")

    _uninstall(live, "anna@demo.example")

    [after] = rows(live.settings, Meeting)
    assert (after.join_url, after.passcode, after.provider_meeting_id) == ("", "", "")
    assert after.state == MeetingState.REMOVED
    assert after.topic == "Plan"  # the history stays
    assert anna.api.get(f"/{made.json()['id']}").status_code in (401, 404)


def test_a_provider_we_do_not_know_is_not_found(live: LiveServers) -> None:
    assert httpx.post(f"{live.backend_url}/webhooks/skype", content=b"{}").status_code == 404
