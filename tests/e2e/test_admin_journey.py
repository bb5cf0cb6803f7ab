"""The administrator's journey in a real browser: from the CRM's Settings and maintenance to a chosen provider."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.crm import sign_in
from tests.support.live import LiveServers

pytestmark = pytest.mark.browser

CONFIGURED = "Your SuperOffice installation is configured with the following meeting service"
SCREENSHOTS = Path(__file__).parent.parent / "artifacts" / "screenshots"


def _open_configuration(page: Page, browser: BrowserContext) -> Page:
    page.get_by_role("link", name="Settings and maintenance").click()
    page.get_by_role("tab", name="Video meetings").click()
    with browser.expect_page() as new_window:
        page.get_by_role("button", name="Configure").click()
    configuration = new_window.value
    expect(configuration.get_by_role("heading", name="Video meetings", exact=True)).to_be_visible()
    return configuration


def _allow_zoom(configuration: Page) -> None:
    """Connect on Zoom's card, then allow the app at the sandbox's Zoom."""
    configuration.get_by_role("article", name="Zoom").get_by_role("button", name="Connect").click()
    configuration.get_by_label("Email").fill("it@demo.example")
    configuration.get_by_role("button", name="Allow").click()


def test_an_administrator_configures_video_meetings_from_the_crm(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    problems: list[str] = []
    sign_in(page, live.sandbox_url, "admin")

    configuration = _open_configuration(page, browser)
    configuration.on("console", lambda m: problems.append(f"{m.text} @ {m.location}") if m.type == "error" else None)
    configuration.on("pageerror", lambda e: problems.append(str(e)))

    assert configuration.url == f"{live.backend_url}/admin/video-meetings"
    expect(configuration.get_by_text("Video meetings are not configured yet.")).to_be_visible()
    expect(configuration.get_by_text("admin@demo.example")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    configuration.screenshot(path=SCREENSHOTS / "configuration-choose.png", full_page=True)

    configuration.get_by_role("article", name="Zoom").get_by_role("button", name="Connect").click()
    expect(
        configuration.get_by_role("heading", name="Allow Meetings for SuperOffice to access your Zoom account?")
    ).to_be_visible()
    configuration.screenshot(path=SCREENSHOTS / "zoom-consent.png")
    configuration.get_by_label("Email").fill("it@demo.example")
    configuration.get_by_role("button", name="Allow").click()

    expect(
        configuration.get_by_text("Connected to Zoom. Logged in as it@demo.example and connected to Cust12345")
    ).to_be_visible()
    expect(configuration.get_by_text("Zoom is connected but not active yet")).to_be_visible()
    configuration.get_by_role("button", name="Generate").click()
    expect(configuration.get_by_label("Meeting passcode")).to_have_value(re.compile(r"^[A-Za-z0-9]{10}$"))
    configuration.get_by_role("button", name="Save", exact=True).click()

    expect(configuration.get_by_text(f"{CONFIGURED} Zoom")).to_be_visible()
    expect(configuration.get_by_role("status")).to_have_text("Meeting passcode saved.")
    configuration.screenshot(path=SCREENSHOTS / "configuration-configured.png", full_page=True)

    configuration.get_by_role("button", name="Disconnect").click()
    dialog = configuration.get_by_role("dialog", name="Disconnect Zoom?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Every user's connection to Zoom is removed too")
    configuration.screenshot(path=SCREENSHOTS / "configuration-disconnect-dialog.png")
    dialog.get_by_role("button", name="OK").click()

    expect(configuration.get_by_text("Video meetings are not configured yet.")).to_be_visible()
    expect(configuration.get_by_role("status")).to_have_text("Zoom is disconnected. Choose a provider to start over.")
    assert problems == []


def test_a_wrong_passcode_is_explained_in_place(page: Page, browser: BrowserContext, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "admin")
    configuration = _open_configuration(page, browser)
    _allow_zoom(configuration)

    configuration.get_by_label("Meeting passcode").fill("no spaces!")
    configuration.get_by_role("button", name="Save", exact=True).click()

    expect(configuration.get_by_role("alert")).to_have_text(
        "Zoom passcodes may only contain letters, digits and @ - _ *."
    )
    expect(configuration.get_by_label("Meeting passcode")).to_have_value("no spaces!")
    expect(configuration.get_by_text("Zoom is connected but not active yet")).to_be_visible()


def test_cancel_in_the_disconnect_dialog_keeps_the_provider(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    sign_in(page, live.sandbox_url, "admin")
    configuration = _open_configuration(page, browser)
    _allow_zoom(configuration)
    configuration.get_by_label("Meeting passcode").fill("Pass1234")
    configuration.get_by_role("button", name="Save", exact=True).click()
    expect(configuration.get_by_text(f"{CONFIGURED} Zoom")).to_be_visible()

    configuration.get_by_role("button", name="Disconnect").click()
    configuration.get_by_role("dialog").get_by_role("link", name="Cancel").click()

    expect(configuration.get_by_role("dialog")).to_be_hidden()
    configuration.reload()
    expect(configuration.get_by_text(f"{CONFIGURED} Zoom")).to_be_visible()


def test_a_user_is_told_the_configuration_is_for_administrators(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")

    page.get_by_role("link", name="Settings and maintenance").click()
    expect(page.get_by_role("alert")).to_contain_text("Settings and maintenance is for administrators")

    page.goto(f"{live.backend_url}/admin/video-meetings")
    expect(page.get_by_role("heading", name="Administrators only")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("only for SuperOffice administrators")
