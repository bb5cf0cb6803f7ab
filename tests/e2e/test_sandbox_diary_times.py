"""The sandbox CRM's diary around midnight and the week's end, where the real clock once made browser tests flaky."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.support.crm import open_new_appointment, sign_in
from tests.support.live import LiveServers

pytestmark = pytest.mark.browser


def _at(page: Page, moment: str) -> None:
    page.clock.install(time=datetime.fromisoformat(moment))


def test_late_on_sunday_a_new_follow_up_starts_this_hour_not_last_monday(page: Page, live: LiveServers) -> None:
    _at(page, "2030-06-09T23:30:00")  # a Sunday, the diary week's last day (the browser's own time zone)
    sign_in(page, live.sandbox_url, "anna")

    dialog = open_new_appointment(page)

    expect(dialog.get_by_label("Start", exact=True)).to_have_value("2030-06-09T23:00")
    expect(dialog.get_by_label("End", exact=True)).to_have_value("2030-06-10T00:00")


def test_a_follow_up_that_ends_at_midnight_is_drawn_once(page: Page, live: LiveServers) -> None:
    _at(page, "2030-06-05T22:30:00")  # a Wednesday: the new follow-up runs 23:00 to midnight
    sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Late call")
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("button", name="Late call")).to_have_count(1)
