"""The extension in a real Chromium against the live sandbox CRM: the video toggle in the follow-up dialog."""

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import extension_id, extension_worker, use_backend
from tests.support.crm import open_new_appointment, sign_in
from tests.support.extension_ui import Scope, extension_ui
from tests.support.live import LiveServers
from tests.support.signin import sign_in as sign_in_over_http

pytestmark = pytest.mark.browser


def test_the_follow_up_dialog_gets_the_add_video_meeting_button(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")

    dialog = open_new_appointment(page)

    toggle = extension_ui(page).get("button", "Add video meeting")
    assert toggle.pressed == "false"
    # Next to the meeting type, as in SuperOffice: on the same row as the Meeting type select.
    select_box = dialog.get_by_label("Meeting type").bounding_box()
    toggle_box = toggle.box()
    assert select_box and toggle_box
    assert abs((select_box["y"] + select_box["height"] / 2) - (toggle_box["y"] + toggle_box["height"] / 2)) < 8
    assert toggle_box["x"] >= select_box["x"] + select_box["width"]


def test_the_button_comes_back_once_each_time_the_dialog_is_drawn_again(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Kick-off with Nordic Tools")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Kick-off with Nordic Tools").click()
    reopened = page.get_by_role("dialog")
    expect(reopened.get_by_label("Title")).to_have_value("Kick-off with Nordic Tools")
    ui = extension_ui(page)
    ui.get("button", "Add video meeting")  # exactly one
    reopened.get_by_role("button", name="Cancel").click()

    for _ in range(3):
        open_new_appointment(page).get_by_role("button", name="Cancel").click()
    open_new_appointment(page)
    ui.get("button", "Add video meeting", within=None)


def test_before_the_administrator_has_set_up_a_provider_the_dialog_says_so(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    use_backend(browser, live.backend_url)
    with httpx.Client(timeout=20) as admin:
        sign_in_over_http(admin, live, "admin")  # the company exists, no provider chosen yet
    sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Typed before clicking")
    ui = extension_ui(page)

    ui.get("button", "Add video meeting").click()

    # First the extension connects itself (a window opens and closes), then the service answers.
    ui.get("alert", containing="Ask your SuperOffice administrator", timeout=20)
    ui.get("button", "Add video meeting", pressed="false")
    expect(dialog.get_by_label("Title")).to_have_value("Typed before clicking")


def test_an_unreachable_service_is_explained(page: Page, browser: BrowserContext, live: LiveServers) -> None:
    extension_worker(browser).evaluate(
        "chrome.storage.local.set({backendUrl: 'http://127.0.0.1:9', connection: {token: 'x', backendUrl: 'http://127.0.0.1:9'}})"
    )
    sign_in(page, live.sandbox_url, "anna")
    open_new_appointment(page)
    ui = extension_ui(page)

    ui.get("button", "Add video meeting").click()

    ui.get("alert", containing="could not be reached")
    ui.get("button", "Try again", within=Scope("alert"))


def test_the_diary_page_itself_gets_no_controls(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")

    assert extension_ui(page).count("button", "Add video meeting", within=None) == 0
    page.goto(f"{live.backend_url}/")
    expect(page.get_by_role("heading", name="Video meetings in SuperOffice")).to_be_visible()
    assert extension_ui(page).count("button", "Add video meeting", within=None) == 0


def test_the_options_page_keeps_the_service_address(browser: BrowserContext, live: LiveServers) -> None:
    options = browser.new_page()
    options.goto(f"chrome-extension://{extension_id(browser)}/src/options.html")
    address = options.get_by_label("Meetings service address")
    expect(address).to_have_value("http://127.0.0.1:8000")

    address.fill("ftp://meetings.example.com")
    options.get_by_role("button", name="Save", exact=True).click()
    expect(options.get_by_role("status")).to_contain_text("starting with https://")

    address.fill(f"{live.backend_url}/")
    options.get_by_role("button", name="Save", exact=True).click()
    expect(options.get_by_role("status")).to_contain_text(f"Saved. The extension now uses {live.backend_url}.")

    stored = extension_worker(browser).evaluate("chrome.storage.local.get('backendUrl')")
    assert stored == {"backendUrl": live.backend_url}
    options.reload()
    expect(options.get_by_label("Meetings service address")).to_have_value(live.backend_url)


def test_the_options_page_connects_the_extension_through_superoffice_sign_in(
    browser: BrowserContext, live: LiveServers
) -> None:
    use_backend(browser, live.backend_url)
    with httpx.Client(timeout=20) as admin:
        sign_in_over_http(admin, live, "admin")
    options = browser.new_page()
    options.goto(f"chrome-extension://{extension_id(browser)}/src/options.html")
    expect(options.get_by_text("Not connected. Click Connect")).to_be_visible()

    with browser.expect_page() as opened:
        options.get_by_role("button", name="Connect").click()
    window = opened.value
    window.get_by_label("User name").fill("anna")  # the CRM's own sign-in, as SuperOffice shows it
    window.get_by_label("Password").fill("anna")
    window.get_by_role("button", name="Sign in").click()

    expect(options.get_by_text("Connected as anna@demo.example (Demo Company AS).")).to_be_visible(timeout=15_000)
    window.wait_for_event("close", timeout=10_000)
    options.get_by_role("button", name="Disconnect").click()
    expect(options.get_by_text("Not connected. Click Connect")).to_be_visible()
    assert extension_worker(browser).evaluate("chrome.storage.local.get('connection')") == {}
