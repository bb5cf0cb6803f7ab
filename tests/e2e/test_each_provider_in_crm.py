"""The extension's journey once per provider: the administrator makes Zoom, Teams or Google Meet the company's
provider, and a user's Add video meeting in the CRM dialog makes the meeting at that provider's emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import use_backend
from tests.support.crm import open_new_appointment
from tests.support.crm import sign_in as crm_sign_in
from tests.support.extension_ui import extension_ui
from tests.support.live import LiveServers
from tests.support.providers import ALL, Harness, set_up_company

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent.parent / "artifacts" / "screenshots"


@pytest.mark.parametrize("harness", ALL, ids=str)
def test_add_video_meeting_makes_it_at_the_companys_provider(
    page: Page, browser: BrowserContext, live: LiveServers, harness: Harness
) -> None:
    set_up_company(live, harness)
    use_backend(browser, live.backend_url)
    crm_sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Review with Nordic Tools")

    with browser.expect_page(lambda p: harness.consent_path in p.url, timeout=20_000) as consent_window:
        extension_ui(page).get("button", "Add video meeting").click()
    consent = consent_window.value
    consent.get_by_label("Email").fill("anna@demo.example")
    consent.get_by_role("button", name="Allow").click()

    extension_ui(page).get("button", "Remove video meeting", pressed="true", timeout=20)
    join_url = extension_ui(page).get("link").attribute("href") or ""
    [held] = harness.held(live)
    assert held.has_link(join_url)
    expect(dialog.get_by_label("Location")).to_have_value(join_url)
    page.screenshot(path=SCREENSHOTS / f"follow-up-dialog-{harness.kind}.png")
    with browser.expect_page() as joined:
        extension_ui(page).get("button", "Join meeting").click()
    assert joined.value.url == join_url
    expect(joined.value.get_by_role("heading").first).to_be_visible()
