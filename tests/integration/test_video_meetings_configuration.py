"""The Video meetings configuration page: connect the company's Zoom, set the passcode, see the status, disconnect."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from backend.models import (
    AuditEvent,
    ConnectionState,
    CrmGrant,
    ProviderConnection,
    UserConnection,
    WebhookReceipt,
)
from backend.security import TokenCipher
from tests.support.crm_webhooks import registered_webhooks, wait_for_company_webhook
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.waiting import eventually
from tests.support.web_panels import wait_for_web_panel, web_panels
from tests.support.zoom import connect_company_zoom, connect_user_zoom, consent

CONFIGURED = "Your SuperOffice installation is configured with the following meeting service"
PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial", "HX-Target": "section#video-meetings"}


@pytest.fixture
def admin(live: LiveServers) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(timeout=10) as client:
        page = sign_in(client, live, "admin", "/admin/video-meetings")
        yield client, csrf_token(page)


def _choose(live: LiveServers, client: httpx.Client, token: str, provider: str, **extra: str) -> httpx.Response:
    return client.post(
        f"{live.backend_url}/admin/video-meetings/provider",
        data={"provider": provider, "_csrf_token": token, **extra},
        headers={"Accept": "text/html"},
    )


def _save(live: LiveServers, client: httpx.Client, token: str, value: str, **headers: str) -> httpx.Response:
    return client.post(
        f"{live.backend_url}/admin/video-meetings/setting",
        data={"value": value, "action": "save", "_csrf_token": token},
        headers=headers,
    )


def test_connecting_zoom_then_saving_the_passcode_makes_it_active(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin

    connected = connect_company_zoom(client, live, token, email="it@demo.example", passcode=None)

    text = page_text(connected)
    assert "Connected to Zoom. Logged in as it@demo.example and connected to Cust12345" in text
    assert "Zoom is connected but not active yet" in text
    assert CONFIGURED not in text
    [connection] = rows(live.settings, ProviderConnection)
    assert connection.state == ConnectionState.PENDING

    saved = _save(live, client, token, "Pass1234")
    assert saved.status_code == 303
    page = page_text(client.get(f"{live.backend_url}/admin/video-meetings"))
    assert f"{CONFIGURED} Zoom" in page
    assert "Connected by admin@demo.example on" in page
    [connection] = rows(live.settings, ProviderConnection)
    assert (connection.state, connection.provider_settings) == (ConnectionState.ACTIVE, {"passcode": "Pass1234"})
    assert [e.action for e in rows(live.settings, AuditEvent)] == ["provider.connected", "provider.setting_saved"]


def test_provider_tokens_are_stored_encrypted(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    connect_company_zoom(client, live, token)

    [connection] = rows(live.settings, ProviderConnection)
    access = TokenCipher.for_settings(live.settings).decrypt(connection.access_token_encrypted)

    assert access and access != connection.access_token_encrypted
    me = httpx.get(f"{live.settings.zoom_api_url}/users/me", headers={"Authorization": f"Bearer {access}"})
    assert me.json()["email"] == "it@demo.example"
    assert access not in repr(connection)


@pytest.mark.parametrize(
    ("passcode", "message"),
    [("Pass 12345", "may only contain letters, digits and @ - _ *"), ("12345678901", "at most 10 characters"),
     ("", "Enter a meeting passcode, or click Generate.")],
)  # fmt: skip
def test_a_passcode_zoom_would_refuse_is_explained_and_not_saved(
    live: LiveServers, admin: tuple[httpx.Client, str], passcode: str, message: str
) -> None:
    client, token = admin
    connect_company_zoom(client, live, token, passcode=None)

    refused = _save(live, client, token, passcode)

    assert refused.status_code == 400
    assert message in page_text(refused)
    assert 'aria-invalid="true"' in refused.text
    [connection] = rows(live.settings, ProviderConnection)
    assert connection.state == ConnectionState.PENDING
    assert connection.provider_settings == {}


def test_generate_offers_a_passcode_zoom_accepts(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    connect_company_zoom(client, live, token, passcode=None)

    offered = client.post(
        f"{live.backend_url}/admin/video-meetings/setting", data={"action": "generate", "_csrf_token": token}
    )

    value = offered.text.split('id="company-setting" name="value"')[1].split('value="')[1].split('"')[0]
    assert len(value) == 10 and value.isalnum()
    assert _save(live, client, token, value).status_code == 303


def test_htmx_gets_just_the_section_back(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    connect_company_zoom(client, live, token, passcode=None)

    swapped = _save(live, client, token, "Pass1234", **PARTIAL, **{"x-csrftoken": token})

    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="video-meetings"')
    assert "<html" not in swapped.text
    assert f"{CONFIGURED} Zoom" in swapped.text
    assert "Meeting passcode saved." in swapped.text


def test_denying_at_zoom_stores_nothing_and_says_so(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    chosen = _choose(live, client, token, "zoom")
    params = dict(httpx.URL(chosen.headers["location"]).params)
    denied = httpx.post(f"{live.sandbox_url}/zoom/oauth/authorize", data={**params, "decision": "deny"})

    back = client.get(denied.headers["location"])

    assert back.status_code == 400
    assert "Zoom was not authorized (access_denied)" in page_text(back)
    assert rows(live.settings, ProviderConnection) == []


def test_a_forged_or_replayed_answer_is_refused(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    chosen = _choose(live, client, token, "zoom")
    back = consent(live, chosen.headers["location"], "it@demo.example")

    forged = client.get(str(back.copy_set_param("state", "forged")))
    assert forged.status_code == 400
    assert "has expired or was started in another browser" in page_text(forged)

    chosen = _choose(live, client, token, "zoom")
    back = consent(live, chosen.headers["location"], "it@demo.example")
    assert client.get(str(back)).status_code == 303
    replayed = client.get(str(back))
    assert replayed.status_code == 400
    assert len(rows(live.settings, ProviderConnection)) == 1


def test_a_second_provider_waits_for_disconnect(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    connect_company_zoom(client, live, token)

    refused = _choose(live, client, token, "zoom")

    assert refused.status_code == 409
    assert "Zoom is already your video provider. Disconnect it first" in page_text(refused)


@pytest.mark.parametrize(
    ("provider", "message"),
    [("webex", "Choose one of the video providers offered: Zoom, Microsoft Teams, Google Meet."),
     ("", "Choose one of the video providers offered"),
     ("jitsi", "Choose one of the video providers offered")],
)  # fmt: skip
def test_a_provider_we_cannot_offer_is_refused(
    live: LiveServers, admin: tuple[httpx.Client, str], provider: str, message: str
) -> None:
    client, token = admin

    refused = _choose(live, client, token, provider)

    assert refused.status_code == 409
    assert message in page_text(refused)
    assert rows(live.settings, ProviderConnection) == []


def test_a_form_without_its_token_changes_nothing(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin

    refused = _choose(live, client, "forged-token", "zoom")

    assert refused.status_code == 403
    assert "Nothing was changed." in refused.text
    assert "location" not in refused.headers


def test_disconnect_revokes_at_zoom_and_removes_every_connection(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    connect_company_zoom(client, live, token)
    with httpx.Client(timeout=10) as anna:
        sign_in(anna, live, "anna")
        assert connect_user_zoom(anna, live, "anna@demo.example").status_code == 200
    cipher = TokenCipher.for_settings(live.settings)
    [user] = rows(live.settings, UserConnection)
    anna_token = cipher.decrypt(user.access_token_encrypted)

    confirmation = client.get(f"{live.backend_url}/admin/video-meetings/disconnect")
    assert "Every user's connection to Zoom is removed too" in page_text(confirmation)
    gone = client.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": token})

    assert gone.status_code == 303
    assert rows(live.settings, ProviderConnection) == []
    assert rows(live.settings, UserConnection) == []
    revoked = httpx.get(f"{live.settings.zoom_api_url}/users/me", headers={"Authorization": f"Bearer {anna_token}"})
    assert revoked.status_code == 401
    [event] = [e for e in rows(live.settings, AuditEvent) if e.action == "provider.disconnected"]
    assert event.detail["user_connections_removed"] == 1
    # Zoom tells us about both revoked grants; by then there is nothing left, so nothing else is recorded.
    eventually(lambda: len(rows(live.settings, WebhookReceipt)) == 2)
    assert [e.action for e in rows(live.settings, AuditEvent) if "deauthorized" in e.action] == []
    assert "Video meetings are not configured yet." in page_text(client.get(f"{live.backend_url}/admin/video-meetings"))


def test_a_user_can_neither_choose_nor_disconnect(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    connect_company_zoom(client, live, token)
    with httpx.Client(timeout=10) as anna:
        home = sign_in(anna, live, "anna")
        anna_token = csrf_token(home)

        assert _choose(live, anna, anna_token, "zoom").status_code == 403
        disconnect = anna.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": anna_token})
        assert disconnect.status_code == 403
        assert _save(live, anna, anna_token, "Hacked12").status_code == 403

    [connection] = rows(live.settings, ProviderConnection)
    assert connection.provider_settings == {"passcode": "Pass1234"}


def test_administrators_see_and_change_only_their_own_company(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    connect_company_zoom(client, live, token)

    with httpx.Client(timeout=10) as oscar:
        page = sign_in(oscar, live, "oscar", "/admin/video-meetings")
        assert "Other Company AS (Cust67890)" in page.text
        assert "Video meetings are not configured yet." in page.text
        oscar_token = csrf_token(page)
        # Naming the other company in a form changes nothing: the company is the signed-in administrator's.
        _save(live, oscar, oscar_token, "Other123")
        oscar.post(f"{live.backend_url}/admin/video-meetings/disconnect",
                   data={"_csrf_token": oscar_token, "tenant": "Cust12345"})  # fmt: skip

    assert f"{CONFIGURED} Zoom" in page_text(client.get(f"{live.backend_url}/admin/video-meetings"))
    [connection] = rows(live.settings, ProviderConnection)
    assert connection.provider_settings == {"passcode": "Pass1234"}


def test_without_sign_in_the_page_sends_you_to_superoffice(live: LiveServers) -> None:
    with httpx.Client(timeout=10) as client:
        page = client.get(f"{live.backend_url}/admin/video-meetings")
        htmx = client.get(f"{live.backend_url}/admin/video-meetings", headers=PARTIAL)

    assert page.status_code == 303
    assert page.headers["location"] == "/auth/login?next=/admin/video-meetings"
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"] == "/auth/login?next=/admin/video-meetings"


def test_disconnecting_forgets_every_kept_superoffice_sign_in_once_superoffice_is_cleaned_up(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    connect_company_zoom(client, live, token)
    wait_for_company_webhook(live)
    wait_for_web_panel(live)
    with httpx.Client(timeout=10) as anna:
        sign_in(anna, live, "anna")
        assert connect_user_zoom(anna, live, "anna@demo.example").status_code == 200
    assert sorted(g.associate_id for g in rows(live.settings, CrmGrant)) == [1, 2]

    client.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": token})

    # The administrator's sign-in goes last: the webhook and the web panel are removed at SuperOffice as them.
    eventually(lambda: registered_webhooks(live) == [] and rows(live.settings, CrmGrant) == [])
    assert all(panel["Deleted"] for panel in web_panels(live))
