"""A user adds a video meeting, invites a customer with Send invitations, and the e-mail is in the sandbox's mailbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import use_backend
from tests.support.crm import open_new_appointment
from tests.support.crm import sign_in as crm_sign_in
from tests.support.extension_ui import extension_ui
from tests.support.live import LiveServers
from tests.support.mailbox import calendar_of, received
from tests.support.waiting import eventually
from tests.support.zoom import set_up_company_zoom

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent.parent / "artifacts" / "screenshots"


@pytest.fixture
def company_with_zoom(live: LiveServers) -> Iterator[None]:
    set_up_company_zoom(live)
    yield


def test_send_invitations_mails_the_participants_and_the_mailbox_shows_it(
    page: Page, browser: BrowserContext, live: LiveServers, company_with_zoom: None
) -> None:
    use_backend(browser, live.backend_url)
    crm_sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Demo for Nordic Tools")
    dialog.get_by_label("Start", exact=True).fill("2030-02-11T09:00")
    dialog.get_by_label("End", exact=True).fill("2030-02-11T10:00")
    with browser.expect_page(lambda p: "/zoom/oauth/authorize" in p.url, timeout=20_000) as zoom_window:
        extension_ui(page).get("button", "Add video meeting").click()
    zoom_window.value.get_by_label("Email").fill("anna@demo.example")
    zoom_window.value.get_by_role("button", name="Allow").click()
    extension_ui(page).get("button", "Remove video meeting", timeout=20)
    join_url = extension_ui(page).get("link").attribute("href") or ""
    dialog.get_by_label("Participants").fill("kari@customer.example")
    dialog.get_by_label("Send invitations").check()

    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    mail = eventually(lambda: received(live), timeout=20)[0]
    assert mail["To"] == "kari@customer.example"
    method, event = calendar_of(mail)
    assert method == "REQUEST" and str(event["LOCATION"]) == join_url
    page.goto(f"{live.sandbox_url}/mailbox")
    row = page.get_by_role("row").filter(has_text="kari@customer.example")
    expect(row).to_contain_text("Invitation: Demo for Nordic Tools")
    page.screenshot(path=SCREENSHOTS / "mailbox.png", full_page=True)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invitation: Demo for Nordic Tools")
    expect(page.locator("pre").first).to_contain_text(join_url)
    page.screenshot(path=SCREENSHOTS / "mailbox-invitation.png", full_page=True)
