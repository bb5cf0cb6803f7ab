"""The extension keeps the token the service renews beside an answer, and forgets one the service revoked."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest.mock import patch

import httpx
import pytest
from playwright.sync_api import BrowserContext

from backend.security import extension_tokens
from tests.support.browser import extension_worker
from tests.support.extension_api import connected_extension
from tests.support.live import LiveServers
from tests.support.signin import csrf_token, sign_in

pytestmark = pytest.mark.browser

STORED = "chrome.storage.local.get('connection').then((s) => s.connection || null)"


def test_a_renewed_token_replaces_the_old_one_in_the_extensions_storage(
    browser: BrowserContext, live: LiveServers
) -> None:
    auth = connected_extension(browser, live)
    tokens = extension_tokens(live.settings.secret)
    identity = tokens.read(auth["Authorization"].removeprefix("Bearer "))
    assert identity is not None
    with patch("itsdangerous.timed.time.time", return_value=time.time() - timedelta(days=2).total_seconds()):
        old = tokens.issue(identity)
    worker = extension_worker(browser)
    worker.evaluate(f"chrome.storage.local.get('connection').then(({{connection}}) => "
                    f"chrome.storage.local.set({{connection: {{...connection, token: {old!r}}}}}))")  # fmt: skip

    worker.evaluate("meetingsExtension.syncAlarms()")

    stored = worker.evaluate(STORED)
    assert stored["token"] != old
    renewed = tokens.read(stored["token"])
    assert renewed is not None and renewed.associate_id == identity.associate_id
    was = tokens.read(old)
    assert renewed.issued_at is not None and was is not None and was.issued_at is not None
    assert renewed.issued_at - was.issued_at > timedelta(days=1)


def test_a_revoked_token_is_forgotten_so_the_next_click_signs_in_again(
    browser: BrowserContext, live: LiveServers
) -> None:
    auth = connected_extension(browser, live)
    worker = extension_worker(browser)
    assert worker.evaluate(STORED) is not None
    with httpx.Client(timeout=20) as anna:
        page = sign_in(anna, live, "anna", "/meet/DisconnectUser")
        anna.post(f"{live.backend_url}/meet/SignOutEverywhere", data={"_csrf_token": csrf_token(page)})
    assert httpx.get(f"{live.backend_url}/api/meetings/upcoming", headers=auth).status_code == 401

    worker.evaluate("meetingsExtension.syncAlarms()")

    assert worker.evaluate(STORED) is None
