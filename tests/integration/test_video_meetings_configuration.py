"""The Video meetings configuration page: choose the company's provider, see the status, disconnect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.models import AuditEvent, ProviderConnection
from backend.services.configuration import provider_options
from backend.settings import Settings
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.signin import csrf_token, page_text, sign_in

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


def test_an_administrator_chooses_zoom_and_sees_the_status(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin

    chosen = _choose(live, client, token, "zoom")

    assert chosen.status_code == 303
    page = client.get(f"{live.backend_url}/admin/video-meetings")
    assert f"{CONFIGURED} Zoom" in page.text
    assert "Configured by admin@demo.example on" in page.text
    [connection] = rows(live.settings, ProviderConnection)
    assert (connection.provider, connection.connected_by_associate_id) == ("zoom", 1)
    [event] = rows(live.settings, AuditEvent)
    assert (event.action, event.actor_kind, event.actor_associate_id, event.provider) == (
        "provider.chosen", "admin", 1, "zoom"
    )  # fmt: skip


def test_htmx_gets_just_the_section_back(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin

    swapped = client.post(
        f"{live.backend_url}/admin/video-meetings/provider",
        data={"provider": "teams"},
        headers={**PARTIAL, "x-csrftoken": token},
    )

    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="video-meetings"')
    assert "<html" not in swapped.text
    assert f"{CONFIGURED} Microsoft Teams" in swapped.text
    assert "Microsoft Teams is now chosen." in swapped.text


def test_another_provider_waits_for_disconnect(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    _choose(live, client, token, "zoom")

    refused = _choose(live, client, token, "google_meet")
    assert refused.status_code == 409
    assert "Zoom is already your video provider. Disconnect it first" in refused.text

    confirmation = client.get(f"{live.backend_url}/admin/video-meetings/disconnect")
    assert "Every user's connection to Zoom is removed too" in page_text(confirmation)
    gone = client.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": token})
    assert gone.status_code == 303
    assert rows(live.settings, ProviderConnection) == []
    assert _choose(live, client, token, "google_meet").status_code == 303
    page = client.get(f"{live.backend_url}/admin/video-meetings")
    assert f"{CONFIGURED} Google Meet" in page.text
    actions = [event.action for event in rows(live.settings, AuditEvent)]
    assert actions == ["provider.chosen", "provider.disconnected", "provider.chosen"]


@pytest.mark.parametrize("provider", ["webex", "", "zoom'; DROP TABLE tenant;--"])
def test_a_provider_we_do_not_offer_is_refused(
    live: LiveServers, admin: tuple[httpx.Client, str], provider: str
) -> None:
    client, token = admin

    refused = _choose(live, client, token, provider)

    assert refused.status_code == 409
    assert "Choose one of the video providers offered: Zoom, Microsoft Teams, Google Meet." in refused.text
    assert rows(live.settings, ProviderConnection) == []


def test_a_form_without_its_token_changes_nothing(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin

    refused = _choose(live, client, "forged-token", "zoom")

    assert refused.status_code == 403
    assert "Nothing was changed." in refused.text
    assert rows(live.settings, ProviderConnection) == []


def test_a_user_can_neither_choose_nor_disconnect(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    _choose(live, client, token, "zoom")
    with httpx.Client(timeout=10) as anna:
        home = sign_in(anna, live, "anna")
        anna_token = csrf_token(home)

        assert _choose(live, anna, anna_token, "teams").status_code == 403
        disconnect = anna.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": anna_token})
        assert disconnect.status_code == 403

    [connection] = rows(live.settings, ProviderConnection)
    assert connection.provider == "zoom"


def test_administrators_see_and_change_only_their_own_company(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    _choose(live, client, token, "zoom")

    with httpx.Client(timeout=10) as oscar:
        page = sign_in(oscar, live, "oscar", "/admin/video-meetings")
        assert "Other Company AS (Cust67890)" in page.text
        assert "Video meetings are not configured yet." in page.text
        oscar_token = csrf_token(page)
        # Naming the other company in the form changes nothing: the company is the signed-in administrator's.
        assert _choose(live, oscar, oscar_token, "teams", tenant="Cust12345", context_id="Cust12345").status_code == 303
        oscar.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": oscar_token})

    page = client.get(f"{live.backend_url}/admin/video-meetings")
    assert f"{CONFIGURED} Zoom" in page.text
    [connection] = rows(live.settings, ProviderConnection)
    assert connection.provider == "zoom"


def test_without_sign_in_the_page_sends_you_to_superoffice(live: LiveServers) -> None:
    with httpx.Client(timeout=10) as client:
        page = client.get(f"{live.backend_url}/admin/video-meetings")
        htmx = client.get(f"{live.backend_url}/admin/video-meetings", headers=PARTIAL)

    assert page.status_code == 303
    assert page.headers["location"] == "/auth/login?next=/admin/video-meetings"
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"] == "/auth/login?next=/admin/video-meetings"


def test_a_provider_without_credentials_and_sandbox_is_unavailable(tmp_path: Path) -> None:
    base = {
        "data_dir": tmp_path,
        "secret_key": "k" * 40,
        "sandbox": False,
        "superoffice_url": "https://online.superoffice.com",
        "superoffice_client_id": "id",
        "superoffice_client_secret": "secret",
    }
    options = {o.name: o for o in provider_options(Settings(**base, zoom_client_id="z", zoom_client_secret="s"))}

    assert options["Zoom"].available
    assert not options["Microsoft Teams"].available
    assert "MEETINGS_TEAMS_CLIENT_ID and MEETINGS_TEAMS_CLIENT_SECRET" in options["Microsoft Teams"].reason
    assert not options["Google Meet"].available
