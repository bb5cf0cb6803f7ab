"""A user's token refresh waits on the provider, never on the database: other companies keep working meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.models import ConnectionState, Meeting, Tenant, UserConnection
from backend.settings import Settings
from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import arm, armed_faults, set_up_company_zoom

HANG_SECONDS = 4.0
"""How long Zoom's hanging token endpoint holds the refresh: the provider timeout of this test's backend."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return Settings(**{**settings.model_dump(), "provider_timeout_seconds": HANG_SECONDS})


@pytest.fixture
def anna(live: LiveServers, make_extension_user: MakeUser) -> ExtensionUser:
    """Anna of Demo Company AS (Zoom set up), connected to Zoom, her access token just expired."""
    set_up_company_zoom(live)
    user = make_extension_user("anna", zoom_email="anna@demo.example")
    change_rows(live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    return user


def _meeting(key: str) -> dict[str, object]:
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return {"topic": "Planning", "start": start, "duration_minutes": 30, "idempotency_key": key}


@pytest.fixture
def oscar(live: LiveServers) -> Iterator[tuple[httpx.Client, str]]:
    """The administrator of Other Company AS, signed in on the configuration page."""
    with httpx.Client(timeout=30) as client:
        page = sign_in(client, live, "oscar", "/admin/video-meetings")
        yield client, csrf_token(page)


def test_a_hanging_refresh_at_one_company_does_not_hold_up_another_companys_saves(
    live: LiveServers, anna: ExtensionUser, oscar: tuple[httpx.Client, str]
) -> None:
    arm(live, "hang", target="token")
    client, csrf = oscar

    with ThreadPoolExecutor(max_workers=1) as pool:
        annas_click = pool.submit(anna.api.post, "", json=_meeting("stuck"))
        eventually(lambda: armed_faults(live) == [])  # Zoom holds Anna's refresh now
        began = time.monotonic()
        saved = client.post(f"{live.backend_url}/admin/video-meetings/invitations",
                             data={"mode": "template", "template": "Join: {burl}", "_csrf_token": csrf})  # fmt: skip
        took = time.monotonic() - began
        refreshing_throughout = not annas_click.done()

    assert saved.status_code == 303, saved.text
    assert took < HANG_SECONDS / 2, f"Other Company's save waited {took:.1f} s for Demo Company's refresh"
    assert refreshing_throughout
    [other] = rows(live.settings, Tenant, Tenant.context_id == "Cust67890")
    assert other.invitation_mode == "template"
    assert annas_click.result().status_code == 502  # Zoom did not answer: Anna is told to try again


def test_a_request_that_finds_a_refresh_under_way_uses_the_token_it_stores(
    live: LiveServers, anna: ExtensionUser
) -> None:
    in_a_minute = datetime.now(UTC) + timedelta(minutes=1)
    change_rows(live.settings, UserConnection, {"refresh_lease_holder": "another-process",
                                                "refresh_lease_until": in_a_minute})  # fmt: skip
    arm(live, "invalid_grant", target="token")  # Zoom's answer to a second refresh with the same refresh token

    with ThreadPoolExecutor(max_workers=1) as pool:
        click = pool.submit(anna.api.post, "", json=_meeting("while-refreshing"))
        eventually(lambda: rows(live.settings, Meeting))  # reserved: the request now waits for a token
        assert not click.done()
        # The other process stores what Zoom gave it (the access token Zoom still accepts, with a new expiry).
        stored = {"token_expires_at": datetime.now(UTC) + timedelta(hours=1), "refresh_lease_holder": None,
                  "refresh_lease_until": None}  # fmt: skip
        change_rows(live.settings, UserConnection, stored)
        made = click.result()

    assert made.status_code == 201, made.text
    assert armed_faults(live) != []  # the waiting request never called Zoom's token endpoint itself
    [connection] = rows(live.settings, UserConnection)
    assert connection.state == ConnectionState.ACTIVE


def test_a_refresh_whose_holder_died_is_taken_over_when_its_lease_ends(live: LiveServers, anna: ExtensionUser) -> None:
    a_moment_ago = datetime.now(UTC) - timedelta(seconds=1)
    change_rows(live.settings, UserConnection, {"refresh_lease_holder": "a-process-that-died",
                                                "refresh_lease_until": a_moment_ago})  # fmt: skip

    made = anna.api.post("", json=_meeting("after-a-crash"))

    assert made.status_code == 201, made.text
    [connection] = rows(live.settings, UserConnection)
    assert connection.token_expires_at is not None
    assert connection.token_expires_at > datetime.now(UTC) + timedelta(minutes=50)
    assert (connection.refresh_lease_holder, connection.refresh_lease_until) == (None, None)
