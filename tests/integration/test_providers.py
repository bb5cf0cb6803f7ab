"""Every provider the same way, over real HTTP against its emulator: Zoom, Microsoft Teams and Google Meet.

Connect and the company setting, a user's first-use consent, create / move / rename / remove, idempotent create,
dead grants asking to reconnect (never a meeting at another provider), a connect without a refresh token refused,
429 and 5xx recovered, each provider's refresh-token rotation, and switching from one provider to the next.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from backend.models import UserConnection
from backend.providers.base import ErrorKind, ProviderError
from backend.providers.teams import TeamsConfig, TeamsProvider
from backend.security import TokenCipher
from tests.integration.conftest import MakeUser
from tests.support import google
from tests.support.extension_api import ExtensionUser, extension_token
from tests.support.live import LiveServers
from tests.support.providers import (
    ALL,
    GOOGLE_MEET,
    TEAMS,
    ZOOM,
    Harness,
    choose,
    connect_company,
    connect_user,
    disconnect_company,
    set_up_company,
)
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, page_text, sign_in

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
each_provider = pytest.mark.parametrize("harness", ALL, ids=str)


def _new(key: str = "click-1") -> dict[str, Any]:
    return {"topic": "Kick-off", "start": START.isoformat(), "duration_minutes": 45, "timezone": "Europe/Oslo",
            "idempotency_key": key}  # fmt: skip


def _user(make: MakeUser, harness: Harness, username: str = "anna") -> ExtensionUser:
    return make(username, provider=harness, provider_email=f"{username}@demo.example")


def _alive(live: LiveServers, harness: Harness, join_url: str) -> bool:
    return any(held.has_link(join_url) and not held.gone for held in harness.held(live))


def _expire_users_access(live: LiveServers) -> None:
    change_rows(live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(minutes=1)})


def _stored_refresh_token(live: LiveServers) -> str:
    [connection] = rows(live.settings, UserConnection)
    token = TokenCipher.for_settings(live.settings).decrypt(connection.refresh_token_encrypted)
    assert token
    return token


@each_provider
def test_the_administrator_connects_and_the_setting_makes_it_active(live: LiveServers, harness: Harness) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        csrf = csrf_token(page)

        connected = connect_company(admin, live, csrf, harness, save_setting=False)

        text = page_text(connected)
        assert f"Connected to {harness.name}. Logged in as it@demo.example and connected to Cust12345" in text
        assert f"{harness.name} is connected but not active yet" in text
        saved = admin.post(
            f"{live.backend_url}/admin/video-meetings/setting",
            data={"value": harness.setting, "action": "save", "_csrf_token": csrf},
            follow_redirects=True,
        )
        expected = f"Your SuperOffice installation is configured with the following meeting service {harness.name}"
        assert expected in page_text(saved)


@each_provider
def test_a_user_connects_on_first_use_and_the_meeting_follows_the_appointment(
    live: LiveServers, harness: Harness, make_extension_user: MakeUser
) -> None:
    set_up_company(live, harness)
    anna = make_extension_user("anna")
    refused = anna.api.post("", json=_new())
    assert (refused.status_code, refused.json()["error"]) == (409, "connect_needed")
    assert connect_user(anna.browser, live, harness, "anna@demo.example").status_code == 200

    meeting = anna.api.post("", json=_new()).json()
    assert _alive(live, harness, meeting["join_url"])
    later = START + timedelta(days=1)
    moved = anna.api.patch(f"/{meeting['id']}", json={"start": later.isoformat(), "topic": "Kick-off (moved)"})

    assert moved.status_code == 200, moved.text
    assert moved.json()["join_url"] == meeting["join_url"]  # the link participants have stays valid
    assert _alive(live, harness, meeting["join_url"])
    if harness is TEAMS:
        [held] = [h for h in harness.held(live) if h.has_link(meeting["join_url"])]
        assert held.raw["subject"] == "Kick-off (moved)"
        assert held.raw["startDateTime"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
    assert anna.api.delete(f"/{meeting['id']}").status_code == 204
    assert not _alive(live, harness, meeting["join_url"])


@each_provider
def test_the_same_click_twice_makes_one_meeting(
    live: LiveServers, harness: Harness, make_extension_user: MakeUser
) -> None:
    set_up_company(live, harness)
    anna = _user(make_extension_user, harness)

    first, second = (anna.api.post("", json=_new("double-click")) for _ in range(2))

    assert first.json()["id"] == second.json()["id"]
    assert len(harness.held(live)) == 1


@each_provider
def test_a_dead_grant_asks_to_reconnect_and_no_meeting_is_made_anywhere(
    live: LiveServers, harness: Harness, make_extension_user: MakeUser
) -> None:
    set_up_company(live, harness)
    anna = _user(make_extension_user, harness)
    _expire_users_access(live)
    harness.arm(live, "invalid_grant", target="token")

    refused = anna.api.post("", json=_new())

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "connect_needed"
    assert harness.name in refused.json()["message"]
    assert all(provider.held(live) == [] for provider in ALL)  # never a silent fallback to another provider
    assert connect_user(anna.browser, live, harness, "anna@demo.example").status_code == 200
    assert anna.api.post("", json=_new("after-reconnect")).status_code == 201


def test_a_teams_connect_without_the_online_meetings_permission_is_refused(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company(live, TEAMS)
    anna = make_extension_user("anna")
    consent_page = anna.browser.get(f"{live.backend_url}/connect", follow_redirects=True)
    narrowed = _with_query(str(consent_page.url), scope="User.Read offline_access")

    result = anna.browser.get(str(TEAMS.consent(live, narrowed, "carla@demo.example")))

    assert result.status_code == 400
    assert "permission to create online meetings was not granted" in page_text(result)
    assert rows(live.settings, UserConnection) == []


def test_a_teams_refresh_answered_consent_required_asks_to_reconnect(live: LiveServers) -> None:
    """A grant without OnlineMeetings.ReadWrite (taken at the emulator directly): our refresh asks for it."""
    settings = live.settings
    assert settings.teams_client_secret is not None
    adapter = TeamsProvider(
        TeamsConfig(settings.teams_login_url, settings.teams_graph_url, settings.teams_client_id,
                    settings.teams_client_secret.get_secret_value()),
        httpx.AsyncClient(),
    )  # fmt: skip
    verifier = "v" * 64
    url = adapter.authorization_url(
        redirect_uri=settings.connect_callback_url("teams"), state="s", code_verifier=verifier
    )
    back = TEAMS.consent(live, _with_query(url, scope="User.Read offline_access"), "dag@demo.example")
    token = httpx.post(
        f"{settings.teams_login_url}/organizations/oauth2/v2.0/token",
        data={"grant_type": "authorization_code", "code": back.params["code"], "code_verifier": verifier,
              "redirect_uri": settings.connect_callback_url("teams"), "client_id": settings.teams_client_id,
              "client_secret": settings.teams_client_secret.get_secret_value()},
    ).json()  # fmt: skip

    with pytest.raises(ProviderError) as refused:
        asyncio.run(adapter.refresh(token["refresh_token"]))

    assert refused.value.kind is ErrorKind.GRANT_REVOKED
    assert 65001 in refused.value.detail["codes"]


@pytest.mark.parametrize(
    ("harness", "narrowing"),
    [(TEAMS, {"scope": "OnlineMeetings.ReadWrite User.Read"}), (GOOGLE_MEET, {"prompt": None})],
    ids=["teams-without-offline_access", "google-without-shown-consent"],
)
def test_a_connect_without_a_refresh_token_is_refused(
    live: LiveServers, harness: Harness, narrowing: dict[str, str | None], make_extension_user: MakeUser
) -> None:
    set_up_company(live, harness)
    anna = make_extension_user("anna")
    if harness is GOOGLE_MEET:  # Google leaves out the refresh token when it skips the consent screen
        assert connect_user(anna.browser, live, harness, "anna@demo.example").status_code == 200
    consent_page = anna.browser.get(f"{live.backend_url}/connect", follow_redirects=True)
    back = harness.consent(live, _with_query(str(consent_page.url), **narrowing), "anna@demo.example")

    result = anna.browser.get(str(back))

    assert result.status_code == 400
    assert "no refresh token" in page_text(result)
    assert "offline access" in page_text(result)


@pytest.mark.parametrize(("harness", "rotates"), [(ZOOM, True), (TEAMS, True), (GOOGLE_MEET, False)], ids=str)
def test_each_providers_refresh_tokens(
    live: LiveServers, harness: Harness, rotates: bool, make_extension_user: MakeUser
) -> None:
    set_up_company(live, harness)
    anna = _user(make_extension_user, harness)
    before = _stored_refresh_token(live)
    _expire_users_access(live)

    assert anna.api.post("", json=_new()).status_code == 201

    after = _stored_refresh_token(live)
    assert (after != before) is rotates
    if harness is TEAMS:  # Microsoft: the old refresh token still works after rotation
        old = httpx.post(
            f"{live.settings.teams_login_url}/organizations/oauth2/v2.0/token",
            data={"grant_type": "refresh_token", "refresh_token": before, "client_id": live.settings.teams_client_id,
                  "client_secret": live.settings.teams_client_secret.get_secret_value()},  # type: ignore[union-attr]
        )  # fmt: skip
        assert old.status_code == 200, old.text


@each_provider
def test_busy_and_failing_providers_are_recovered(
    live: LiveServers, harness: Harness, make_extension_user: MakeUser
) -> None:
    set_up_company(live, harness)
    anna = _user(make_extension_user, harness)
    harness.arm(live, "rate_limited", count=1, retry_after_seconds=1)

    created = anna.api.post("", json=_new())

    assert created.status_code == 201, created.text
    harness.arm(live, "server_error", count=1)
    assert anna.api.delete(f"/{created.json()['id']}").status_code == 204
    assert not _alive(live, harness, created.json()["join_url"])


def test_switching_zoom_to_teams_to_google_meet_keeps_old_links(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company(live, ZOOM)
    anna = make_extension_user("anna")
    made: list[tuple[Harness, dict[str, Any]]] = []
    for number, harness in enumerate((ZOOM, TEAMS, GOOGLE_MEET)):
        if made:
            disconnect_company(live)
            set_up_company(live, harness)
            signed_out = anna.api.post("", json=_new(f"click-{number}"))
            assert signed_out.status_code == 401  # the disconnect signed every browser out: it connects again
            anna.api.headers["Authorization"] = f"Bearer {extension_token(anna.browser, live)}"
        refused = anna.api.post("", json=_new(f"click-{number}"))
        assert (refused.status_code, refused.json()["error"]) == (409, "connect_needed")  # asked to sign in anew
        assert connect_user(anna.browser, live, harness, "anna@demo.example").status_code == 200
        meeting = anna.api.post("", json=_new(f"click-{number}")).json()
        assert any(held.has_link(meeting["join_url"]) for held in harness.held(live))
        made.append((harness, meeting))

    for harness, meeting in made:
        kept = anna.api.get(f"/{meeting['id']}")
        assert kept.json()["join_url"] == meeting["join_url"]  # still in the history with its link
        assert _alive(live, harness, meeting["join_url"])  # and still valid at its provider


def _with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_choosing_a_provider_sends_the_administrator_to_its_consent_page(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as admin:
        csrf = csrf_token(sign_in(admin, live, "admin", "/admin/video-meetings"))
        for harness in ALL:
            assert urlsplit(choose(admin, live, csrf, harness)).path == harness.consent_path


def test_removing_a_google_meet_meeting_ends_its_conference_and_shuts_the_door(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company(live, GOOGLE_MEET)
    anna = _user(make_extension_user, GOOGLE_MEET)
    meeting = anna.api.post("", json=_new()).json()
    [space] = GOOGLE_MEET.held(live)
    assert space.raw["accessType"] == "OPEN"  # the company's setting
    google.join(live, space.id)
    assert GOOGLE_MEET.held(live)[0].raw["active_conference"]

    assert anna.api.delete(f"/{meeting['id']}").status_code == 204

    [space] = GOOGLE_MEET.held(live)
    assert space.raw["accessType"] == "RESTRICTED"
    assert not space.raw["active_conference"]
    assert space.join_url == meeting["join_url"]  # the same space: Google has no delete
