"""Signing in with SuperOffice, over real HTTP against the sandbox's OpenID Connect provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from backend.models import Tenant
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.signin import csrf_token, page_text, sign_in


@pytest.fixture
def browser_like() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _tenants(live: LiveServers) -> list[Tenant]:
    return rows(live.settings, Tenant)


def test_an_administrator_signs_in_and_their_company_is_set_up(live: LiveServers, browser_like: httpx.Client) -> None:
    page = sign_in(browser_like, live, "admin", "/admin/video-meetings")

    assert page.status_code == 200
    assert str(page.url) == f"{live.backend_url}/admin/video-meetings"
    assert "admin@demo.example" in page.text
    assert "Video meetings are not configured yet." in page.text
    [tenant] = _tenants(live)
    assert (tenant.context_id, tenant.company_name) == ("Cust12345", "Demo Company AS")
    assert tenant.webapi_url == f"{live.sandbox_url}/Cust12345/api/"


def test_the_session_cookie_is_private(live: LiveServers, browser_like: httpx.Client) -> None:
    sign_in(browser_like, live, "admin")
    start = browser_like.get(f"{live.backend_url}/auth/login")
    cookie = start.headers["set-cookie"]

    assert "meetings_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


def test_a_user_signs_in_but_is_not_let_into_the_configuration(live: LiveServers, browser_like: httpx.Client) -> None:
    home = sign_in(browser_like, live, "anna")

    assert str(home.url) == f"{live.backend_url}/"
    assert "anna@demo.example" in home.text
    assert "not set up for Demo Company AS yet" in home.text  # the administrator has not been here
    assert _tenants(live) == []

    admin_page = browser_like.get(f"{live.backend_url}/admin/video-meetings")
    assert admin_page.status_code == 403
    assert "only for SuperOffice administrators" in page_text(admin_page)
    assert "ask a SuperOffice administrator of your company to give you administrator rights" in page_text(admin_page)


def test_after_sign_in_the_browser_returns_only_to_our_own_pages(live: LiveServers, browser_like: httpx.Client) -> None:
    page = sign_in(browser_like, live, "admin", "//evil.example/steal")

    assert page.url.host == "127.0.0.1"
    assert page.url.port == live.settings.port


def test_an_answer_with_another_state_is_refused(live: LiveServers, browser_like: httpx.Client) -> None:
    browser_like.get(f"{live.backend_url}/auth/login")  # a sign-in is pending in this browser's session

    answer = browser_like.get(f"{live.backend_url}/auth/callback", params={"code": "whatever", "state": "forged"})

    assert answer.status_code == 400
    assert "does not belong to the sign-in you started" in answer.text
    assert browser_like.get(f"{live.backend_url}/admin/video-meetings", follow_redirects=False).status_code == 303


def test_an_answer_without_a_started_sign_in_is_refused(live: LiveServers, browser_like: httpx.Client) -> None:
    answer = browser_like.get(f"{live.backend_url}/auth/callback", params={"code": "abc", "state": "abc"})

    assert answer.status_code == 400
    assert "has expired or was started in another browser" in answer.text


def test_a_code_is_redeemed_only_once(live: LiveServers, browser_like: httpx.Client) -> None:
    # Sign in, but stop at the answer SuperOffice sends back, to replay its code later.
    start = browser_like.get(f"{live.backend_url}/auth/login", follow_redirects=True)
    sent_back = browser_like.post(
        f"{live.sandbox_url}/login",
        data={"username": "admin", "password": "admin", "next": start.url.params["next"]},
        follow_redirects=False,
    )
    authorize = browser_like.get(f"{live.sandbox_url}{sent_back.headers['location']}", follow_redirects=False)
    callback = httpx.URL(authorize.headers["location"])
    assert browser_like.get(str(callback)).status_code == 303  # the real sign-in works

    # A new sign-in is pending; the old code comes back with the new state: SuperOffice refuses it.
    new_start = browser_like.get(f"{live.backend_url}/auth/login", follow_redirects=False)
    new_state = httpx.URL(new_start.headers["location"]).params["state"]
    replay = browser_like.get(
        f"{live.backend_url}/auth/callback", params={"code": callback.params["code"], "state": new_state}
    )

    assert replay.status_code == 400
    assert "did not accept this sign-in" in replay.text


def test_superoffice_saying_no_is_shown(live: LiveServers, browser_like: httpx.Client) -> None:
    browser_like.get(f"{live.backend_url}/auth/login")

    answer = browser_like.get(
        f"{live.backend_url}/auth/callback",
        params={"error": "access_denied", "error_description": "The user cancelled", "state": "x"},
    )

    assert answer.status_code == 400
    assert "You did not allow Meetings for SuperOffice to sign you in." in answer.text


@pytest.mark.parametrize("error", ["access_denied", "made_up_error"])
def test_a_sign_in_error_shows_only_our_own_words(live: LiveServers, browser_like: httpx.Client, error: str) -> None:
    phishing = "Your account is locked. Call +1 555 0100 and give your password."

    answer = browser_like.get(f"{live.backend_url}/auth/callback",
                              params={"error": error, "error_description": phishing, "state": "x"})  # fmt: skip

    assert answer.status_code == 400
    assert "Call +1 555" not in answer.text and "made_up_error" not in answer.text
    assert "sign" in page_text(answer)


def test_signing_out_ends_the_session(live: LiveServers, browser_like: httpx.Client) -> None:
    page = sign_in(browser_like, live, "admin", "/admin/video-meetings")

    out = browser_like.post(f"{live.backend_url}/auth/logout", data={"_csrf_token": csrf_token(page)})

    assert out.status_code == 303
    assert browser_like.get(f"{live.backend_url}/admin/video-meetings", follow_redirects=False).status_code == 303


def test_security_headers_are_sent(live: LiveServers, browser_like: httpx.Client) -> None:
    page = browser_like.get(f"{live.backend_url}/")

    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
