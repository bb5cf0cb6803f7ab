"""The video meeting web panel in the sandbox CRM's follow-up dialog, with no extension, in a browser that blocks
third-party cookies, where the CRM (``http://localhost:PORT``) and the service (``http://127.0.0.1:PORT``) are
different sites, as a real SuperOffice tenant and a self-hosted service are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, Playwright, expect

from tests.support.browser import CHROMIUM
from tests.support.live import LiveServers
from tests.support.web_panels import wait_for_web_panel
from tests.support.zoom import held_meetings, set_up_company_zoom

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent.parent / "artifacts" / "screenshots"


@pytest.fixture
def plain_browser(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """Chromium without the extension, its profile set to block third-party cookies (Settings → Privacy)."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    preferences = {"profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--disable-sync", "--no-first-run"],
    )  # fmt: skip
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


def _crm_url(live: LiveServers) -> str:
    return live.sandbox_url.replace("127.0.0.1", "localhost")


def _saved_follow_up(page: Page, crm: str, title: str) -> int:
    """Anna signs in to the CRM and saves a new follow-up; returns its id."""
    page.goto(f"{crm}/")
    page.get_by_label("User name").fill("anna")
    page.get_by_label("Password").fill("anna")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#diary")).to_have_attribute("aria-busy", "false")
    page.get_by_role("button", name="New appointment").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Title").fill(title)
    expect(dialog.get_by_role("tab", name="Video meeting")).to_be_visible()
    frame = page.frame_locator('iframe[title="Video meeting"]')
    dialog.get_by_role("tab", name="Video meeting").click()
    expect(frame.get_by_text("Save the follow-up first, then add its video meeting here.")).to_be_visible()
    dialog.get_by_role("tab", name="Follow-up").click()
    dialog.get_by_role("button", name="Save").click()
    entry = page.get_by_role("button", name=title)
    expect(entry).to_be_visible()
    return int(entry.get_attribute("data-appointment-id") or 0)


def _panel(page: Page, title: str) -> FrameLocator:
    page.get_by_role("button", name=title).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="Video meeting").click()
    return page.frame_locator('iframe[title="Video meeting"]')


def _sign_in_in_window(browser: BrowserContext, frame: FrameLocator) -> None:
    with browser.expect_page() as opened:
        frame.get_by_role("button", name="Sign in").click()
    window = opened.value
    window.get_by_label("User name").fill("anna")
    window.get_by_label("Password").fill("anna")
    window.get_by_role("button", name="Sign in").click()
    window.wait_for_event("close")


def _appointment(page: Page, appointment_id: int) -> dict:
    return page.evaluate(
        "async (id) => (await fetch(`/Cust12345/api/v1/Appointment/${id}`, "
        "{headers: {'SO-TimeZone': 'UTC, includeTZOffset', Accept: 'application/json'}})).json()",
        appointment_id,
    )


def test_a_user_adds_copies_joins_and_removes_a_meeting_in_the_web_panel(
    plain_browser: BrowserContext, live: LiveServers
) -> None:
    set_up_company_zoom(live)
    panel = wait_for_web_panel(live)
    assert panel["Url"] == f"{live.backend_url}/panel/followup?ctx=<uctx>&appointment=<baid>"
    page = plain_browser.new_page()
    crm = _crm_url(live)
    appointment_id = _saved_follow_up(page, crm, "Quarterly review")

    frame = _panel(page, "Quarterly review")
    cookies_blocked = frame.locator("body").evaluate(
        "() => { document.cookie = 'probe=1; SameSite=None; Secure'; return !document.cookie.includes('probe'); }"
    )
    assert cookies_blocked, "the panel's frame must not be able to keep cookies in this test"
    _sign_in_in_window(plain_browser, frame)

    # Anna's first meeting: her Zoom account is connected on the way, in a window of its own.
    with plain_browser.expect_page() as zoom_window:
        frame.get_by_role("button", name="Add video meeting").click()
        frame.get_by_role("button", name="Connect your account").click()
    consent = zoom_window.value
    consent.get_by_label("Email").fill("anna@demo.example")
    consent.get_by_role("button", name="Allow").click()
    frame.get_by_role("button", name="Add video meeting").click()

    expect(frame.get_by_role("button", name="Remove video meeting")).to_have_attribute("aria-pressed", "true")
    [held] = held_meetings(live)
    assert held["topic"] == "Quarterly review"
    join_url = frame.get_by_role("link", name="Join meeting").get_attribute("href")
    assert join_url and join_url.startswith(f"{live.sandbox_url}/zoom/j/{held['id']}")
    saved = _appointment(page, appointment_id)
    assert saved["Location"] == join_url
    assert saved["JoinVideomeetUrl"] == join_url
    assert saved["Description"].endswith(f"Join meeting: {join_url}")
    # The panel asked the CRM to refresh: the dialog shows the link without being reopened.
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="Follow-up").click()
    expect(dialog.get_by_label("Location")).to_have_value(join_url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.get_by_role("tab", name="Video meeting").click()
    page.screenshot(path=SCREENSHOTS / "web-panel-meeting.png")

    plain_browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=crm)
    frame.get_by_role("button", name="Copy meeting link").click()
    expect(frame.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == join_url

    with plain_browser.expect_page() as joined:
        frame.get_by_role("link", name="Join meeting").click()
    assert joined.value.url == join_url

    frame.get_by_role("button", name="Remove video meeting").click()
    expect(frame.get_by_role("button", name="Add video meeting")).to_be_visible()
    assert httpx.get(f"{live.sandbox_url}/zoom/_sandbox/meetings").json() == []
    cleared = _appointment(page, appointment_id)
    assert (cleared["Location"], cleared["JoinVideomeetUrl"]) == ("", "")
    assert "Join meeting" not in cleared["Description"]
    dialog.get_by_role("tab", name="Follow-up").click()
    expect(dialog.get_by_label("Location")).to_have_value("")
