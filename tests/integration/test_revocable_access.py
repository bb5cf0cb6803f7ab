"""Bearer tokens the service can take back: the extension's and the web panel's stop working when the user's
configuration is removed, the company disconnects, the provider deauthorizes, or the user signs out everywhere; a
token in use is renewed silently, one left unused runs out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from unittest.mock import patch

import httpx
import pytest

from backend.models import AuditEvent
from backend.security import UserIdentity, extension_tokens
from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser, extension_token
from tests.support.live import LiveServers
from tests.support.panel import panel_client
from tests.support.rows import rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.zoom import connect_company_zoom, connect_user_zoom

SIGNED_OUT = "This browser was signed out of Meetings for SuperOffice. Connect it again."


@pytest.fixture
def admin(live: LiveServers) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(timeout=20) as client:
        page = sign_in(client, live, "admin", "/admin/video-meetings")
        connect_company_zoom(client, live, csrf_token(page), email="it@demo.example")
        yield client, csrf_token(page)


@pytest.fixture
def anna(admin: tuple[httpx.Client, str], make_extension_user: MakeUser) -> ExtensionUser:
    return make_extension_user("anna", zoom_email="anna@demo.example")


def _signed_out(answer: httpx.Response) -> bool:
    return (answer.status_code, answer.json().get("message")) == (401, SIGNED_OUT)


def test_a_removed_configuration_takes_the_old_token_with_it_even_after_reconnecting(
    live: LiveServers, admin: tuple[httpx.Client, str], anna: ExtensionUser
) -> None:
    client, token = admin
    assert anna.api.get("/upcoming").status_code == 200

    removed = client.post(f"{live.backend_url}/admin/video-meetings/users/remove",
                          data={"associate_id": ["2"], "confirmed": "yes", "_csrf_token": token})  # fmt: skip
    assert removed.status_code == 303

    assert _signed_out(anna.api.get("/upcoming"))
    assert connect_user_zoom(anna.browser, live, "anna@demo.example").status_code == 200
    assert _signed_out(anna.api.get("/upcoming"))  # the token from before the removal stays dead
    fresh = extension_token(anna.browser, live)
    assert httpx.get(
        f"{live.backend_url}/api/meetings/upcoming", headers={"Authorization": f"Bearer {fresh}"}
    ).is_success


def test_removing_ones_own_configuration_signs_the_extension_out(live: LiveServers, anna: ExtensionUser) -> None:
    page = anna.browser.get(f"{live.backend_url}/meet/DisconnectUser")
    anna.browser.post(f"{live.backend_url}/meet/DisconnectUser", data={"_csrf_token": csrf_token(page)})

    assert _signed_out(anna.api.get("/upcoming"))


def test_disconnecting_the_company_signs_every_browser_out(
    live: LiveServers, admin: tuple[httpx.Client, str], anna: ExtensionUser, make_extension_user: MakeUser
) -> None:
    bjorn = make_extension_user("bjorn")  # signed in, never connected to Zoom
    client, token = admin

    client.post(f"{live.backend_url}/admin/video-meetings/disconnect", data={"_csrf_token": token})

    assert _signed_out(anna.api.get("/upcoming"))
    assert _signed_out(bjorn.api.get("/upcoming"))


def test_the_provider_deauthorizing_a_user_signs_their_extension_out(live: LiveServers, anna: ExtensionUser) -> None:
    who = {"client_id": live.settings.zoom_client_id, "email": "anna@demo.example"}
    uninstalled = httpx.post(f"{live.sandbox_url}/zoom/_sandbox/uninstall", json=who)
    assert uninstalled.status_code == 201

    assert _signed_out(anna.api.get("/upcoming"))


def test_sign_out_everywhere_ends_the_extension_and_the_web_panel_but_keeps_the_connection(
    live: LiveServers, anna: ExtensionUser, make_extension_user: MakeUser
) -> None:
    bjorn = make_extension_user("bjorn", zoom_email="bjorn.zoom@demo.example")
    with panel_client(live, "anna") as panel:
        assert panel.get("/7/meeting").status_code != 401
        page = anna.browser.get(f"{live.backend_url}/meet/DisconnectUser")
        assert "Sign out everywhere" in page_text(page)

        done = anna.browser.post(f"{live.backend_url}/meet/SignOutEverywhere", data={"_csrf_token": csrf_token(page)})

        assert "Done: every browser is signed out of video meetings." in page_text(done)
        assert "Your Zoom account anna@demo.example is connected" in page_text(done)
        assert _signed_out(anna.api.get("/upcoming"))
        assert panel.get("/7/meeting").status_code == 401
    assert bjorn.api.get("/upcoming").status_code == 200  # only her own browsers
    [event] = [e for e in rows(live.settings, AuditEvent) if e.action == "user.signed_out_everywhere"]
    assert (event.actor_kind, event.subject_associate_id) == ("user", 2)


def test_sign_out_everywhere_needs_the_pages_csrf_token(live: LiveServers, anna: ExtensionUser) -> None:
    refused = anna.browser.post(f"{live.backend_url}/meet/SignOutEverywhere", data={"_csrf_token": "forged"})

    assert refused.status_code == 403
    assert anna.api.get("/upcoming").status_code == 200


def _token_issued(live: LiveServers, token: str, age: timedelta) -> str:
    """The user's extension token as the service would have issued it ``age`` ago."""
    current = extension_token_identity(live, token)
    with patch("itsdangerous.timed.time.time", return_value=time.time() - age.total_seconds()):
        return extension_tokens(live.settings.secret).issue(current)


def extension_token_identity(live: LiveServers, token: str) -> UserIdentity:
    identity = extension_tokens(live.settings.secret).read(token)
    assert identity is not None
    return identity


def _get(live: LiveServers, token: str) -> httpx.Response:
    return httpx.get(f"{live.backend_url}/api/meetings/upcoming", headers={"Authorization": f"Bearer {token}"})


def test_a_token_in_use_is_renewed_silently_and_one_left_unused_runs_out(
    live: LiveServers, anna: ExtensionUser
) -> None:
    token = anna.api.headers["Authorization"].removeprefix("Bearer ")

    young = _get(live, token)
    assert young.status_code == 200
    assert "x-meetings-token" not in young.headers  # a new token is not renewed on every call

    two_days_old = _get(live, _token_issued(live, token, timedelta(days=2)))
    assert two_days_old.status_code == 200
    renewed = two_days_old.headers["x-meetings-token"]
    assert two_days_old.headers["cache-control"] == "no-store"
    assert extension_token_identity(live, renewed).associate_id == 2
    assert _get(live, renewed).status_code == 200

    week_old = _get(live, _token_issued(live, token, timedelta(days=7, minutes=1)))
    assert week_old.status_code == 401
    assert "x-meetings-token" not in week_old.headers


def test_the_page_that_shows_a_token_is_never_cached(live: LiveServers, anna: ExtensionUser) -> None:
    page = anna.browser.get(f"{live.backend_url}/extension/connect", follow_redirects=True)

    assert 'data-extension-token="' in page.text
    assert page.headers["cache-control"] == "no-store"
