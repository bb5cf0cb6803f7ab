"""At alarm time the extension shows a notification with Join meeting; its click opens the meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from tests.support.browser import extension_id, extension_worker, use_backend
from tests.support.extension_api import extension_token
from tests.support.live import LiveServers
from tests.support.signin import sign_in
from tests.support.waiting import eventually
from tests.support.zoom import connect_user_zoom, set_up_company_zoom

pytestmark = pytest.mark.browser


def _connected_extension(browser: BrowserContext, live: LiveServers) -> dict[str, str]:
    """Zoom set up for the company and for anna, and the extension holding anna's token."""
    set_up_company_zoom(live)
    with httpx.Client(timeout=20) as anna:
        sign_in(anna, live, "anna")
        connect_user_zoom(anna, live, "anna@demo.example")
        token = extension_token(anna, live)
    use_backend(browser, live.backend_url)
    extension_worker(browser).evaluate(
        f"chrome.storage.local.set({{connection: {{token: {token!r}, backendUrl: {live.backend_url!r}}}}})"
    )
    return {"Authorization": f"Bearer {token}"}


def _notifications(browser: BrowserContext) -> dict[str, bool]:
    return extension_worker(browser).evaluate("chrome.notifications.getAll()")


def test_an_alarm_a_few_seconds_ahead_raises_join_meeting(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    auth = _connected_extension(browser, live)
    start = datetime.now(UTC) + timedelta(minutes=5, seconds=3)
    meeting = httpx.post(f"{live.backend_url}/api/meetings", headers=auth, json={
        "topic": "Stand-up", "start": start.isoformat(), "duration_minutes": 15, "idempotency_key": "n1",
        "alarm_minutes_before": 5}).json()  # fmt: skip
    worker = extension_worker(browser)

    worker.evaluate("meetingsExtension.syncAlarms()")

    alarm = worker.evaluate(f"chrome.alarms.get('appt:{meeting['id']}')")
    assert alarm and abs(alarm["scheduledTime"] / 1000 - (start.timestamp() - 300)) < 2
    eventually(lambda: f"appt:{meeting['id']}" in _notifications(browser), timeout=15)

    with browser.expect_page() as joined:
        worker.evaluate(f"meetingsExtension.onNotificationClick('appt:{meeting['id']}')")
    assert joined.value.url == meeting["join_url"]
    assert f"appt:{meeting['id']}" not in _notifications(browser)


def test_alarms_follow_the_service_without_duplicates_and_survive_a_worker_restart(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    auth = _connected_extension(browser, live)
    start = datetime.now(UTC) + timedelta(hours=2)
    made = [httpx.post(f"{live.backend_url}/api/meetings", headers=auth, json={
        "topic": f"Meeting {i}", "start": (start + timedelta(minutes=i)).isoformat(), "duration_minutes": 30,
        "idempotency_key": f"m{i}", "alarm_minutes_before": 10}).json() for i in range(3)]  # fmt: skip
    worker = extension_worker(browser)
    worker.evaluate("meetingsExtension.syncAlarms()")
    worker.evaluate("meetingsExtension.syncAlarms()")

    names = sorted(a["name"] for a in worker.evaluate("chrome.alarms.getAll()") if a["name"].startswith("appt:"))
    assert names == sorted(f"appt:{m['id']}" for m in made)

    httpx.delete(f"{live.backend_url}/api/meetings/{made[0]['id']}", headers=auth)
    options = browser.new_page()
    options.goto(f"chrome-extension://{extension_id(browser)}/src/options.html")
    cdp = browser.new_cdp_session(options)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    options.evaluate("chrome.runtime.sendMessage({type: 'connection.status'})")  # wakes the worker
    worker = extension_worker(browser)
    worker.evaluate("meetingsExtension.syncAlarms()")

    names = sorted(a["name"] for a in worker.evaluate("chrome.alarms.getAll()") if a["name"].startswith("appt:"))
    assert names == sorted(f"appt:{m['id']}" for m in made[1:])
    notification = worker.evaluate(
        f"meetingsExtension.onAlarm({{name: 'appt:{made[1]['id']}'}}, Date.parse({made[1]['start']!r}) - 600000)"
        ".then(() => chrome.notifications.getAll())"
    )
    assert f"appt:{made[1]['id']}" in notification
