"""What a person does in the sandbox CRM, as steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.support.browser import add_crm_address, knows_crm_address


def sign_in(page: Page, sandbox_url: str, username: str) -> None:
    """Open the CRM and sign in as a demo user (the password is the user name); ends on the diary.

    The extension in this browser knows the sandbox as a CRM address, as a person sets it up once in the options.
    """
    if not knows_crm_address(page.context, sandbox_url):
        add_crm_address(page.context, sandbox_url)
    page.goto(f"{sandbox_url}/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(username)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Diary")).to_be_visible()
    expect(page.locator("#diary")).to_have_attribute("aria-busy", "false")


def open_new_appointment(page: Page) -> Locator:
    page.get_by_role("button", name="New appointment").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog
