"""The Invitations section: Mail Link or an invitation template with variables, checked and previewed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from backend.models import Tenant
from tests.integration.conftest import MakeUser
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.signin import csrf_token, page_text, sign_in

SAVE = "/admin/video-meetings/invitations"


@pytest.fixture
def admin(live: LiveServers) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(timeout=20) as client:
        page = sign_in(client, live, "admin", "/admin/video-meetings")
        yield client, csrf_token(page)


def test_mail_link_is_the_default_and_a_template_can_be_saved(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    page = page_text(client.get(f"{live.backend_url}/admin/video-meetings"))
    assert "Preview, with a sample appointment" in page
    assert "Join the video meeting: https://zoom.us/j/85746065432?pwd=sample" in page

    template = "Hello!\\nJoin: {burl} ({passcode})"
    saved = client.post(f"{live.backend_url}{SAVE}", data={"mode": "template", "template": template,
                                                           "_csrf_token": token})  # fmt: skip

    assert saved.status_code == 303
    [tenant] = rows(live.settings, Tenant)
    assert (tenant.invitation_mode, tenant.invitation_template) == ("template", template)


def test_an_unknown_variable_is_reported_and_nothing_is_saved(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin
    hostile = "<script>alert(1)</script> Join: {url}"

    refused = client.post(f"{live.backend_url}{SAVE}", data={"mode": "template", "template": hostile,
                                                             "_csrf_token": token})  # fmt: skip

    assert refused.status_code == 400
    assert "Unknown variable {url}: use {burl}" in page_text(refused)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Join: {url}</textarea>" in refused.text  # kept, escaped
    assert "<script>alert(1)</script>" not in refused.text
    [tenant] = rows(live.settings, Tenant)
    assert (tenant.invitation_mode, tenant.invitation_template) == ("mail_link", None)


def test_a_template_with_a_control_character_is_explained_and_nothing_is_saved(
    live: LiveServers, admin: tuple[httpx.Client, str]
) -> None:
    client, token = admin

    refused = client.post(f"{live.backend_url}{SAVE}", data={"mode": "template", "template": "Join: {burl}\x00",
                                                             "_csrf_token": token})  # fmt: skip

    assert refused.status_code == 400  # PostgreSQL refused the NUL: a 500
    assert "The template has an invisible control character (pasted from elsewhere?): remove it." in page_text(refused)
    [tenant] = rows(live.settings, Tenant)
    assert (tenant.invitation_mode, tenant.invitation_template) == ("mail_link", None)


def test_the_preview_fills_in_a_sample_appointment(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    client, token = admin
    headers = {"HX-Request": "true", "HX-Request-Type": "partial", "x-csrftoken": token}

    good = client.post(f"{live.backend_url}{SAVE}/preview", data={"template": "{title} <b>{burl}</b>"}, headers=headers)
    bad = client.post(f"{live.backend_url}{SAVE}/preview", data={"template": "{oops"}, headers=headers)

    assert "Quarterly review with Nordic Tools &lt;b&gt;https://zoom.us/j/85746065432?pwd=sample&lt;/b&gt;" in good.text
    assert "A single { or } is not allowed" in page_text(bad)


def test_the_extension_learns_the_mode(
    live: LiveServers, admin: tuple[httpx.Client, str], make_extension_user: MakeUser
) -> None:
    client, token = admin
    anna = make_extension_user("anna")
    assert anna.api.get(f"{live.backend_url}/api/settings").json() == {"invitation_mode": "mail_link"}

    client.post(f"{live.backend_url}{SAVE}", data={"mode": "template", "template": "{burl}", "_csrf_token": token})

    assert anna.api.get(f"{live.backend_url}/api/settings").json() == {"invitation_mode": "template"}


def test_users_cannot_change_invitations(live: LiveServers, admin: tuple[httpx.Client, str]) -> None:
    with httpx.Client(timeout=20) as anna:
        home = sign_in(anna, live, "anna")
        refused = anna.post(f"{live.backend_url}{SAVE}", data={"mode": "template", "template": "{burl}",
                                                               "_csrf_token": csrf_token(home)})  # fmt: skip

    assert refused.status_code == 403
    [tenant] = rows(live.settings, Tenant)
    assert tenant.invitation_mode == "mail_link"
