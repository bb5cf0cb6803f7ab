"""Manage users (administrators) and /meet/DisconnectUser (users): removing video meeting configurations."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from backend.models import AuditEvent, ProviderKind, Tenant, UserConnection
from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser, extension_token
from tests.support.live import LiveServers
from tests.support.rows import add_rows, rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.zoom import connect_company_zoom, connect_user_zoom

USERS = "/admin/video-meetings/users"
PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial", "HX-Target": "section#users"}
HTML = {"Accept": "text/html"}
MEETING = {"topic": "x", "start": "2030-01-01T10:00:00+00:00", "duration_minutes": 30}


@pytest.fixture
def admin(live: LiveServers) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(timeout=20) as client:
        page = sign_in(client, live, "admin", "/admin/video-meetings")
        connect_company_zoom(client, live, csrf_token(page))
        yield client, csrf_token(page)


@pytest.fixture
def users(admin: tuple[httpx.Client, str], make_extension_user: MakeUser) -> dict[str, ExtensionUser]:
    return {
        "anna": make_extension_user("anna", zoom_email="anna@demo.example"),
        "bjorn": make_extension_user("bjorn", zoom_email="bjorn.zoom@demo.example"),
    }


def _remove(live: LiveServers, client: httpx.Client, token: str, *ids: int, confirmed: bool = True, **headers: str):
    data: dict[str, object] = {"associate_id": [str(i) for i in ids], "_csrf_token": token}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(f"{live.backend_url}{USERS}/remove", data=data, headers=headers)


def test_the_list_shows_who_connected_what(live: LiveServers, admin: tuple[httpx.Client, str], users: dict) -> None:
    client, _ = admin

    page = page_text(client.get(f"{live.backend_url}{USERS}"))

    assert "2 users with a connection" in page
    assert "Anna Andersen anna@demo.example Zoom: anna@demo.example" in page
    assert "Bjørn Berg bjorn@demo.example Zoom: bjorn.zoom@demo.example" in page
    assert "Active" in page


@pytest.mark.parametrize(("query", "shown", "hidden"), [("anna", "Anna Andersen", "Bjørn Berg"),
                                                         ("3", "Bjørn Berg", "Anna Andersen"),
                                                         ("zoom@", "Bjørn Berg", "Anna Andersen")])  # fmt: skip
def test_filter_by_name_id_or_address(
    live: LiveServers, admin: tuple[httpx.Client, str], users: dict, query: str, shown: str, hidden: str
) -> None:
    client, _ = admin

    page = page_text(client.get(f"{live.backend_url}{USERS}", params={"q": query}))

    assert shown in page
    assert hidden not in page


def test_sorting_and_paging_past_fifty(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin
    [tenant] = rows(live.settings, Tenant)
    add_rows(live.settings, *[UserConnection(tenant_id=tenant.id, associate_id=100 + i, provider=ProviderKind.ZOOM,
                                             crm_name=f"User {i:03d}", crm_email=f"u{i}@demo.example")
                              for i in range(60)])  # fmt: skip

    first = page_text(client.get(f"{live.backend_url}{USERS}", params={"sort": "name", "desc": "true"}))
    second = page_text(client.get(f"{live.backend_url}{USERS}", params={"sort": "name", "desc": "true", "page": 2}))

    assert "60 users with a connection" in first
    assert "Page 1 of 2" in first and "Next page" in first
    assert first.index("User 059") < first.index("User 058")
    assert "User 009" not in first and "User 009" in second
    assert "Page 2 of 2" in second and "Previous page" in second


def test_removing_a_user_asks_them_to_connect_again_and_they_can(
    live: LiveServers, admin: tuple[httpx.Client, str], users: dict[str, ExtensionUser]
) -> None:
    client, token = admin

    asked = _remove(live, client, token, 2, confirmed=False)
    assert "will have to sign in to their video provider again" in page_text(asked)
    assert len(rows(live.settings, UserConnection)) == 2
    done = _remove(live, client, token, 2)

    assert done.status_code == 303
    assert [c.associate_id for c in rows(live.settings, UserConnection)] == [3]
    [event] = [e for e in rows(live.settings, AuditEvent) if e.action == "user.removed"]
    assert (event.actor_kind, event.actor_associate_id, event.subject_associate_id) == ("admin", 1, 2)
    anna = users["anna"]
    refused = anna.api.post("", json={**MEETING, "idempotency_key": "a"})
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")  # her browsers sign in again
    assert connect_user_zoom(anna.browser, live, "anna@demo.example").status_code == 200
    token = extension_token(anna.browser, live)
    again = anna.api.post("", json={**MEETING, "idempotency_key": "a"}, headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 201


def test_removing_several_at_once_with_htmx(live: LiveServers, admin: tuple[httpx.Client, str], users: dict) -> None:
    client, token = admin

    swapped = _remove(live, client, token, 2, 3, **PARTIAL, **{"x-csrftoken": token})

    assert swapped.text.lstrip().startswith('<section id="users"')
    assert "Removed the configuration of 2 users." in page_text(swapped)
    assert rows(live.settings, UserConnection) == []


@pytest.mark.parametrize("query", ["\u00b2", "9" * 20])  # a digit int() refuses; past a 32-bit id (PostgreSQL 500'd)
def test_searching_for_a_number_no_associate_can_have_finds_nobody(
    live: LiveServers, admin: tuple[httpx.Client, str], users: dict, query: str
) -> None:
    client, _ = admin

    found = client.get(f"{live.backend_url}{USERS}", params={"q": query})

    assert found.status_code == 200
    assert "Anna Andersen" not in page_text(found) and "Bjørn Berg" not in page_text(found)


def test_a_search_pasted_with_a_nul_character_is_refused_in_words(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, _ = admin

    refused = client.get(f"{live.backend_url}{USERS}", params={"q": "anna\x00"}, headers=HTML)

    assert refused.status_code == 400
    assert "This page cannot use what it was sent (q)" in page_text(refused)


@pytest.mark.parametrize("associate_id", [str(2**63), "\u00b2"])  # both 500'd: an overflow, and int("²")
def test_removing_an_id_superoffice_cannot_have_is_refused_and_removes_nobody(
    live: LiveServers, admin: tuple[httpx.Client, str], users: dict, associate_id: str
) -> None:
    client, token = admin

    refused = client.post(f"{live.backend_url}{USERS}/remove", headers=HTML,
                          data={"associate_id": associate_id, "confirmed": "yes", "_csrf_token": token})  # fmt: skip

    assert refused.status_code == 400
    assert "This page cannot use what it was sent (associate_id)" in page_text(refused)
    assert len(rows(live.settings, UserConnection)) == 2


def test_nobody_but_the_tenants_administrators_can_list_or_remove(
    live: LiveServers, admin: tuple[httpx.Client, str], users: dict
) -> None:
    with httpx.Client(timeout=20) as oscar:
        page = sign_in(oscar, live, "oscar", "/admin/video-meetings")
        assert "Anna" not in page_text(oscar.get(f"{live.backend_url}{USERS}"))
        _remove(live, oscar, csrf_token(page), 2, 3)
    with httpx.Client(timeout=20) as anna:
        home = sign_in(anna, live, "anna")
        assert anna.get(f"{live.backend_url}{USERS}").status_code == 403
        assert _remove(live, anna, csrf_token(home), 3).status_code == 403

    assert len(rows(live.settings, UserConnection)) == 2


def test_a_user_removes_their_own_configuration(live: LiveServers, users: dict[str, ExtensionUser]) -> None:
    browser = users["anna"].browser

    page = browser.get(f"{live.backend_url}/meet/DisconnectUser")
    assert "Your Zoom account anna@demo.example is connected" in page_text(page)
    done = browser.post(f"{live.backend_url}/meet/DisconnectUser", data={"_csrf_token": csrf_token(page)})

    assert "Done: your Zoom configuration is removed." in page_text(done)
    assert "click the video icon next to the meeting type" in page_text(done)
    assert [c.associate_id for c in rows(live.settings, UserConnection)] == [3]
    [event] = [e for e in rows(live.settings, AuditEvent) if e.action == "user.disconnected"]
    assert (event.actor_kind, event.subject_associate_id) == ("user", 2)


def test_self_service_signs_you_in_first(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as browser:
        answer = browser.get(f"{live.backend_url}/meet/DisconnectUser")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/login?next=/meet/DisconnectUser"
