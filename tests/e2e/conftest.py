"""Browser fixtures: Chromium with the extension loaded.

Playwright's sync API keeps an event loop running on the main thread while it lives, and async tests cannot run
beside it, so it lives for one module of browser tests at a time, never the whole session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.support.browser import extension_browser

ARTIFACTS = Path(__file__).parent.parent / "artifacts"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """Chromium with the extension loaded; on failure, a screenshot of every open page goes to tests/artifacts/."""
    with extension_browser(playwright, tmp_path / "profile") as context:
        yield context
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            for number, open_page in enumerate(context.pages):
                if not open_page.is_closed() and not open_page.url.startswith("about:"):
                    open_page.screenshot(path=ARTIFACTS / f"{name}-{number}.png", full_page=True)


@pytest.fixture
def page(browser: BrowserContext) -> Page:
    return browser.pages[0] if browser.pages else browser.new_page()
