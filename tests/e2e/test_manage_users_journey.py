"""An administrator removes users' configurations in the browser, through the confirmation dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.crm import sign_in as crm_sign_in
from tests.support.extension_api import extension_user
from tests.support.live import LiveServers
from tests.support.zoom import set_up_company_zoom

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent.parent / "artifacts" / "screenshots"


def test_removing_one_and_then_several_users_with_the_dialog(page: Page, live: LiveServers) -> None:
    set_up_company_zoom(live)
    for name in ("anna", "bjorn", "carla"):
        user = extension_user(live, name, zoom_email=f"{name}@demo.example")
        user.api.close()
        user.browser.close()
    crm_sign_in(page, live.sandbox_url, "admin")
    page.goto(f"{live.backend_url}/admin/video-meetings")
    page.get_by_role("button", name="Manage users").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)  # header and three users
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "manage-users.png", full_page=True)

    page.get_by_role("button", name="Remove configuration for Anna Andersen").click()
    dialog = page.get_by_role("dialog", name="Remove configuration?")
    expect(dialog).to_contain_text("Anna Andersen will have to sign in to Zoom again")
    dialog.get_by_role("button", name="Cancel").click()
    expect(table.get_by_role("row")).to_have_count(4)

    page.get_by_role("button", name="Remove configuration for Anna Andersen").click()
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status")).to_have_text("Removed the configuration of 1 user.")
    expect(table.get_by_role("row")).to_have_count(3)

    page.get_by_role("checkbox", name="Select Bjørn Berg").check()
    page.get_by_role("checkbox", name="Select Carla Christensen").check()
    page.get_by_role("button", name="Remove configuration for selected users").click()
    expect(dialog).to_contain_text("The selected users will have to sign in to their video provider again")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status")).to_have_text("Removed the configuration of 2 users.")
    expect(page.get_by_text("No user has connected a video account.")).to_be_visible()


def test_filtering_as_you_type(page: Page, live: LiveServers) -> None:
    set_up_company_zoom(live)
    for name in ("anna", "bjorn"):
        user = extension_user(live, name, zoom_email=f"{name}@demo.example")
        user.api.close()
        user.browser.close()
    crm_sign_in(page, live.sandbox_url, "admin")
    page.goto(f"{live.backend_url}/admin/video-meetings/users")

    page.get_by_label("Filter by name or ID").fill("bj")

    expect(page.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("cell", name="Bjørn Berg", exact=True)).to_be_visible()
    assert "q=bj" in page.url
