"""A user's first connection to Zoom in a window opened from the CRM page, as the extension opens it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from backend.models import UserConnection
from tests.support.crm import sign_in as crm_sign_in
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.signin import sign_in
from tests.support.zoom import set_up_company_zoom

pytestmark = pytest.mark.browser


def test_the_connect_window_signs_in_allows_zoom_tells_the_opener_and_closes(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    set_up_company_zoom(live)
    crm_sign_in(page, live.sandbox_url, "anna")
    page.evaluate("window.addEventListener('message', (e) => { window.__connected = e.data; })")

    with browser.expect_page() as opened:
        page.evaluate(f"window.open('{live.backend_url}/connect', 'connect', 'popup,width=600,height=700')")
    window = opened.value
    window.get_by_label("Email").fill("anna@demo.example")  # the CRM sign-in happened already, silently
    window.get_by_role("button", name="Allow").click()

    expect(window.get_by_role("status")).to_contain_text("Your Zoom account anna@demo.example is connected.")
    window.wait_for_event("close", timeout=10_000)
    assert page.evaluate("window.__connected") == {"type": "meetings:connected", "provider": "zoom"}
    [connection] = rows(live.settings, UserConnection)
    assert connection.provider_email == "anna@demo.example"


def test_without_a_configured_provider_the_window_says_whom_to_ask(page: Page, live: LiveServers) -> None:
    with httpx.Client(timeout=20) as admin:
        sign_in(admin, live, "admin")
    crm_sign_in(page, live.sandbox_url, "anna")

    page.goto(f"{live.backend_url}/connect")

    expect(page.get_by_role("alert")).to_contain_text("Ask your SuperOffice administrator")
