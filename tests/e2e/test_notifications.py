"""At alarm time the extension shows a notification with Join meeting; its click opens the meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from tests.support.browser import extension_id, extension_worker
from tests.support.extension_api import connected_extension
from tests.support.live import LiveServers
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser


def _notifications(browser: BrowserContext) -> dict[str, bool]:
    return extension_worker(browser).evaluate("chrome.notifications.getAll()")


def test_an_alarm_a_few_seconds_ahead_raises_join_meeting(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    auth = connected_extension(browser, live)
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
    auth = connected_extension(browser, live)
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


def test_the_periodic_sync_is_there_even_when_the_service_is_down_at_start_up(browser: BrowserContext) -> None:
    worker = extension_worker(browser)  # a fresh browser: not connected, the default service address not running

    alarm = eventually(lambda: worker.evaluate("chrome.alarms.get('meetings-sync')"))

    assert alarm["periodInMinutes"] == 15


# Chrome gives packed (store) extensions alarms no sooner than 30 s after they are created; unpacked ones, which is
# what a test can load (a packed CRX cannot be installed headless here), get 1 s. So the worker's chrome.alarms.create
# is wrapped to clamp `when` to now + 30 s the way Chrome does for a packed build, and notifications.create to count.
PACKED_ALARMS = """
  self.__created = 0;
  const create = chrome.alarms.create.bind(chrome.alarms);
  chrome.alarms.create = (name, info) =>
    create(name, info.when === undefined ? info : { ...info, when: Math.max(info.when, Date.now() + 30000) });
  const notify = chrome.notifications.create.bind(chrome.notifications);
  chrome.notifications.create = (...args) => { self.__created += 1; return notify(...args); };
  true;  // (Playwright would call a function left as the script's value)
"""


def test_with_packed_timing_a_due_alarm_is_not_postponed_and_notifies_once(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    worker = extension_worker(browser)
    worker.evaluate(PACKED_ALARMS)  # before connecting: the connection's own sync may already plan the alarm
    auth = connected_extension(browser, live)
    start = datetime.now(UTC) + timedelta(minutes=5, seconds=2)  # the alarm is due in 2 s
    meeting = httpx.post(f"{live.backend_url}/api/meetings", headers=auth, json={
        "topic": "Stand-up", "start": start.isoformat(), "duration_minutes": 15, "idempotency_key": "p1",
        "alarm_minutes_before": 5}).json()  # fmt: skip
    name = f"appt:{meeting['id']}"

    worker.evaluate("meetingsExtension.syncAlarms()")
    first = worker.evaluate(f"chrome.alarms.get('{name}')")["scheduledTime"]
    for _ in range(3):  # other changes sync again before the alarm fires (each save of a meeting does)
        worker.evaluate("new Promise((done) => setTimeout(done, 600)).then(() => meetingsExtension.syncAlarms())")
        assert worker.evaluate(f"chrome.alarms.get('{name}')")["scheduledTime"] == first

    fired = f"meetingsExtension.onAlarm({{name: '{name}'}})"
    worker.evaluate(f"{fired}.then(() => {fired}).then(() => meetingsExtension.syncAlarms()).then(() => {fired})")
    assert worker.evaluate("self.__created") == 1
    assert worker.evaluate(f"chrome.alarms.get('{name}')") is None  # notified: not planned again
    assert name in _notifications(browser)
