"""The extension in a real Chromium against the live sandbox CRM: the video toggle in the follow-up dialog."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import extension_id, extension_worker
from tests.support.crm import open_new_appointment, sign_in
from tests.support.live import LiveServers

pytestmark = pytest.mark.browser


def test_the_follow_up_dialog_gets_the_add_video_meeting_button(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")

    dialog = open_new_appointment(page)

    toggle = dialog.get_by_role("button", name="Add video meeting")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    # Next to the meeting type, as in SuperOffice: on the same row as the Meeting type select.
    select_box = dialog.get_by_label("Meeting type").bounding_box()
    toggle_box = toggle.bounding_box()
    assert select_box and toggle_box
    assert abs((select_box["y"] + select_box["height"] / 2) - (toggle_box["y"] + toggle_box["height"] / 2)) < 8
    assert toggle_box["x"] >= select_box["x"] + select_box["width"]


def test_the_button_comes_back_once_each_time_the_dialog_is_drawn_again(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Kick-off with Nordic Tools")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Kick-off with Nordic Tools").click()
    reopened = page.get_by_role("dialog")
    expect(reopened.get_by_label("Title")).to_have_value("Kick-off with Nordic Tools")
    expect(reopened.get_by_role("button", name="Add video meeting")).to_have_count(1)
    reopened.get_by_role("button", name="Cancel").click()

    for _ in range(3):
        open_new_appointment(page).get_by_role("button", name="Cancel").click()
    open_new_appointment(page)
    expect(page.get_by_role("button", name="Add video meeting")).to_have_count(1)


def test_before_connecting_the_button_says_what_to_do(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Typed before clicking")

    dialog.get_by_role("button", name="Add video meeting").click()

    expect(dialog.get_by_role("alert")).to_contain_text("not connected in this browser yet")
    expect(dialog.get_by_label("Title")).to_have_value("Typed before clicking")


def test_the_diary_page_itself_gets_no_controls(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")

    expect(page.get_by_role("button", name="Add video meeting")).to_have_count(0)
    page.goto(f"{live.backend_url}/")
    expect(page.get_by_role("heading", name="Video meetings in SuperOffice")).to_be_visible()
    expect(page.get_by_role("button", name="Add video meeting")).to_have_count(0)


def test_the_options_page_keeps_the_service_address(browser: BrowserContext, live: LiveServers) -> None:
    options = browser.new_page()
    options.goto(f"chrome-extension://{extension_id(browser)}/src/options.html")
    address = options.get_by_label("Meetings service address")
    expect(address).to_have_value("http://127.0.0.1:8000")

    address.fill("ftp://meetings.example.com")
    options.get_by_role("button", name="Save").click()
    expect(options.get_by_role("status")).to_contain_text("starting with https://")

    address.fill(f"{live.backend_url}/")
    options.get_by_role("button", name="Save").click()
    expect(options.get_by_role("status")).to_contain_text(f"Saved. The extension now uses {live.backend_url}.")

    stored = extension_worker(browser).evaluate("chrome.storage.local.get('backendUrl')")
    assert stored == {"backendUrl": live.backend_url}
    options.reload()
    expect(options.get_by_label("Meetings service address")).to_have_value(live.backend_url)
