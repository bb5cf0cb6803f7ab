"""A CRM user adds a video meeting from the follow-up dialog, the first time connecting everything on the way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from backend.models import Meeting, UserConnection
from tests.support.browser import use_backend
from tests.support.crm import open_new_appointment
from tests.support.crm import sign_in as crm_sign_in
from tests.support.extension_ui import SIDE_PANEL, Scope, extension_ui
from tests.support.live import LiveServers
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import arm, connect_company_zoom, held_meetings, set_up_company_zoom

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent.parent / "artifacts" / "screenshots"


@pytest.fixture
def company_with_zoom(live: LiveServers) -> Iterator[None]:
    set_up_company_zoom(live)
    yield


def _new_appointment_as_anna(page: Page, browser: BrowserContext, live: LiveServers) -> Locator:
    """Anna, signed in to the CRM, opens a new follow-up; the extension uses this test's service."""
    use_backend(browser, live.backend_url)
    crm_sign_in(page, live.sandbox_url, "anna")
    return open_new_appointment(page)


def _first_meeting(page: Page, browser: BrowserContext, dialog: Locator) -> None:
    """Click the video icon the very first time: the extension connects, then Zoom asks for consent."""
    with browser.expect_page(lambda p: "/zoom/oauth/authorize" in p.url, timeout=20_000) as zoom_window:
        extension_ui(page).get("button", "Add video meeting").click()
    consent = zoom_window.value
    consent.get_by_label("Email").fill("anna@demo.example")
    consent.get_by_role("button", name="Allow").click()


def test_the_first_video_meeting_connects_and_fills_the_appointment(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    dialog = _new_appointment_as_anna(page, browser, live)
    dialog.get_by_label("Title").fill("Kick-off with Nordic Tools")
    dialog.get_by_label("Description").fill("Agenda: numbers")

    _first_meeting(page, browser, dialog)

    toggle = extension_ui(page).get("button", "Remove video meeting", pressed="true", timeout=20)
    [held] = held_meetings(live)
    assert held["topic"] == "Kick-off with Nordic Tools"
    join_url = extension_ui(page).get("link").attribute("href")
    assert join_url and join_url.startswith(f"{live.sandbox_url}/zoom/j/{held['id']}")
    expect(dialog.get_by_label("Location")).to_have_value(join_url)
    expect(dialog.get_by_label("Description")).to_have_value(f"Agenda: numbers\n\nJoin meeting: {join_url}")

    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.sandbox_url)
    extension_ui(page).get("button", "Copy meeting link").click()
    extension_ui(page).get("status", containing="Copied")
    assert page.evaluate("navigator.clipboard.readText()") == join_url

    with browser.expect_page() as joined:
        extension_ui(page).get("button", "Join meeting").click()
    assert joined.value.url == join_url

    toggle.click()
    extension_ui(page).get("button", "Add video meeting", pressed="false")
    expect(dialog.get_by_label("Location")).to_have_value("")
    expect(dialog.get_by_label("Description")).to_have_value("Agenda: numbers")
    assert held_meetings(live) == []


def test_what_the_user_typed_in_location_stays(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    dialog = _new_appointment_as_anna(page, browser, live)
    dialog.get_by_label("Location").fill("Room 4, Oslo office")

    _first_meeting(page, browser, dialog)

    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    expect(dialog.get_by_label("Location")).to_have_value("Room 4, Oslo office")
    extension_ui(page).get("button", "Remove video meeting").click()
    extension_ui(page).get("button", "Add video meeting")
    expect(dialog.get_by_label("Location")).to_have_value("Room 4, Oslo office")


def test_a_saved_meeting_shows_in_the_diary_the_side_panel_and_follows_a_move(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    dialog = _new_appointment_as_anna(page, browser, live)
    dialog.get_by_label("Title").fill("Quarterly review")
    dialog.get_by_label("Start", exact=True).fill("2030-01-14T10:00")
    dialog.get_by_label("End", exact=True).fill("2030-01-14T11:00")
    _first_meeting(page, browser, dialog)
    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    join_url = extension_ui(page).get("link").attribute("href")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The CRM's webhook attaches the meeting to the saved appointment; the diary opened afterwards shows it.
    # (Opening another diary page first drops the extension's re-checks of the page it was on.)
    eventually(lambda: [m for m in rows(live.settings, Meeting) if m.appointment_id is not None])

    page.goto(f"{live.sandbox_url}/?date=2030-01-14")
    entry = page.get_by_role("button", name="Quarterly review")
    # The icon inside the entry (a button, so its content is its name) gives the entry its "Video meeting".
    eventually(lambda: "Video meeting" in extension_ui(page).name_of(Scope("button", "Quarterly review")), timeout=15)
    page.screenshot(path=SCREENSHOTS / "diary-with-video-meeting.png")

    entry.click()
    reopened = page.get_by_role("dialog")
    extension_ui(page).get("button", "Remove video meeting", pressed="true", timeout=20)
    assert extension_ui(page).get("link").attribute("href") == join_url
    reopened.get_by_role("button", name="Cancel").click()
    with browser.expect_page() as joined:
        extension_ui(page).get("button", "Join meeting", within=SIDE_PANEL).click()
    assert joined.value.url == join_url

    page.get_by_role("button", name="Quarterly review").click()
    page.get_by_role("dialog").get_by_label("Start", exact=True).fill("2030-01-14T13:30")
    page.get_by_role("dialog").get_by_label("Start", exact=True).dispatch_event("change")
    page.get_by_role("dialog").get_by_role("button", name="Save", exact=True).click()
    moved_to = page.evaluate("new Date('2030-01-14T13:30').toISOString().replace('.000Z', 'Z')")
    [held] = eventually_held(live, lambda held: bool(held) and held[0]["start_time"] == moved_to)
    assert held["duration"] == 60


def eventually_held(live: LiveServers, condition: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    return eventually(lambda: held_meetings(live) if condition(held_meetings(live)) else None)


def _anna_connected(page: Page, browser: BrowserContext, live: LiveServers) -> Locator:
    """Anna has used video meetings before: the extension and her Zoom are connected."""
    dialog = _new_appointment_as_anna(page, browser, live)
    _first_meeting(page, browser, dialog)
    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    dialog.get_by_role("button", name="Cancel").click()
    return open_new_appointment(page)


def test_zoom_being_busy_is_explained_and_nothing_typed_is_lost(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    dialog = _anna_connected(page, browser, live)
    dialog.get_by_label("Title").fill("Budget review")
    arm(live, "rate_limited", retry_after_seconds=120)

    extension_ui(page).get("button", "Add video meeting").click()

    ui = extension_ui(page)
    ui.get("alert", containing="Zoom is handling too many requests right now. Try again in about 2 minutes.")
    expect(dialog.get_by_label("Title")).to_have_value("Budget review")
    ui.get("button", "Try again", within=Scope("alert")).click()
    extension_ui(page).get("button", "Remove video meeting", timeout=20)


def test_a_broken_zoom_connection_offers_to_reconnect_and_carries_on(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    _anna_connected(page, browser, live)
    change_rows(live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(minutes=1)})
    arm(live, "invalid_grant", target="token")

    with browser.expect_page(lambda p: "/zoom/oauth/authorize" in p.url, timeout=20_000) as zoom_window:
        extension_ui(page).get("button", "Add video meeting").click()
    ui = extension_ui(page)
    ui.get("alert", containing="Your Zoom connection no longer works")
    ui.get("button", "Connect your account", within=Scope("alert"))
    zoom_window.value.get_by_label("Email").fill("anna@demo.example")
    zoom_window.value.get_by_role("button", name="Allow").click()

    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    eventually(lambda: ui.count("alert") == 0)


def test_after_the_administrator_used_this_browser_the_next_user_gets_their_own_meetings(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    use_backend(browser, live.backend_url)
    crm_sign_in(page, live.sandbox_url, "admin")
    page.goto(f"{live.backend_url}/admin/video-meetings")  # the administrator's session at the service stays
    page.get_by_role("article", name="Zoom").get_by_role("button", name="Connect").click()
    page.get_by_label("Email").fill("it@demo.example")
    page.get_by_role("button", name="Allow").click()
    page.get_by_label("Meeting passcode").fill("Pass1234")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Meeting passcode saved.")  # saved before the page is left
    page.goto(f"{live.sandbox_url}/logout")

    crm_sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    _first_meeting(page, browser, dialog)
    extension_ui(page).get("button", "Remove video meeting", timeout=20)

    [meeting] = rows(live.settings, Meeting)
    assert meeting.associate_id == 2  # anna, not the administrator whose session was still there
    [connection] = rows(live.settings, UserConnection)
    assert (connection.associate_id, connection.provider_email) == (2, "anna@demo.example")


def test_with_an_invitation_template_only_location_gets_the_link(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    with httpx.Client(timeout=20) as admin:
        admin_page = sign_in(admin, live, "admin", "/admin/video-meetings")
        connect_company_zoom(admin, live, csrf_token(admin_page))
        form = {"mode": "template", "template": "Join: {burl}", "_csrf_token": csrf_token(admin_page)}
        admin.post(f"{live.backend_url}/admin/video-meetings/invitations", data=form)
    dialog = _new_appointment_as_anna(page, browser, live)
    dialog.get_by_label("Description").fill("Agenda: numbers")

    _first_meeting(page, browser, dialog)

    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    join_url = extension_ui(page).get("link").attribute("href")
    expect(dialog.get_by_label("Location")).to_have_value(join_url or "")
    expect(dialog.get_by_label("Description")).to_have_value("Agenda: numbers")
    extension_ui(page).get("button", "Remove video meeting").click()
    expect(dialog.get_by_label("Location")).to_have_value("")
    expect(dialog.get_by_label("Description")).to_have_value("Agenda: numbers")


def test_with_an_invitation_template_and_location_taken_the_text_carries_the_link(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    """The saved appointment must hold the link somewhere: that is how the CRM's webhook finds its meeting."""
    with httpx.Client(timeout=20) as admin:
        admin_page = sign_in(admin, live, "admin", "/admin/video-meetings")
        connect_company_zoom(admin, live, csrf_token(admin_page))
        form = {"mode": "template", "template": "Join: {burl}", "_csrf_token": csrf_token(admin_page)}
        admin.post(f"{live.backend_url}/admin/video-meetings/invitations", data=form)
    dialog = _new_appointment_as_anna(page, browser, live)
    dialog.get_by_label("Location").fill("Room 4")

    _first_meeting(page, browser, dialog)

    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    join_url = extension_ui(page).get("link").attribute("href")
    expect(dialog.get_by_label("Location")).to_have_value("Room 4")
    expect(dialog.get_by_label("Description")).to_have_value(f"Join meeting: {join_url}")
    extension_ui(page).get("button", "Remove video meeting").click()
    expect(dialog.get_by_label("Location")).to_have_value("Room 4")
    expect(dialog.get_by_label("Description")).to_have_value("")


def test_a_full_description_is_not_cut_and_the_user_is_told(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    dialog = _new_appointment_as_anna(page, browser, live)
    long_text = "x" * 2040
    dialog.get_by_label("Description").fill(long_text)

    _first_meeting(page, browser, dialog)

    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    extension_ui(page).get("alert", containing="the description is too long for the link")
    expect(dialog.get_by_label("Description")).to_have_value(long_text)
