"""Debian's Chromium, headless, with the unpacked extension loaded (see DEVELOPERS.md and extension-mechanics)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, Worker, expect

from backend import PROJECT_ROOT

EXTENSION_DIR = PROJECT_ROOT / "extension"
CHROMIUM = os.environ.get("MEETINGS_TEST_CHROMIUM", "/usr/bin/chromium")


@contextmanager
def extension_browser(
    playwright: Playwright, profile_dir: Path, *, updatable: bool = False
) -> Iterator[BrowserContext]:
    """Chromium with the unpacked extension; ``updatable`` also opens DevTools' extension loading for
    ``update_extension`` (a debugging port on 127.0.0.1, for that test only)."""
    updates = ["--remote-debugging-port=0", "--enable-unsafe-extension-debugging"] if updatable else []
    context = playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            f"--disable-extensions-except={EXTENSION_DIR}",
            f"--load-extension={EXTENSION_DIR}",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            *updates,
        ],
    )
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


def update_extension(playwright: Playwright, profile_dir: Path) -> None:
    """Load the extension's folder again over DevTools: an update of the installed extension (runtime.onInstalled
    with reason "update"), while its pages stay open. The browser must be ``extension_browser(updatable=True)``.
    (chrome.runtime.reload() only disables an extension loaded from the command line.)"""
    port = (profile_dir / "DevToolsActivePort").read_text().split()[0]
    browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
    browser.new_browser_cdp_session().send("Extensions.loadUnpacked", {"path": str(EXTENSION_DIR)})


def extension_worker(context: BrowserContext) -> Worker:
    """The extension's service worker (checked first: waiting for the event alone can hang)."""
    if context.service_workers:
        return context.service_workers[0]
    return context.wait_for_event("serviceworker")


def extension_id(context: BrowserContext) -> str:
    return extension_worker(context).url.split("/")[2]


def options_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.goto(f"chrome-extension://{extension_id(context)}/src/options.html")
    return page


def add_crm_address(context: BrowserContext, address: str) -> None:
    """Add a CRM address in the extension's options, as a person does once (SuperOffice Online needs none)."""
    options = options_page(context)
    options.get_by_label("CRM address", exact=True).fill(address)
    options.get_by_role("button", name="Add", exact=True).click()
    expect(options.locator("#crm-status")).to_contain_text("Added.")
    options.close()


def knows_crm_address(context: BrowserContext, address: str) -> bool:
    origins = extension_worker(context).evaluate("chrome.storage.local.get('crmOrigins')").get("crmOrigins", [])
    return address.rstrip("/") in origins


def use_backend(context: BrowserContext, backend_url: str) -> None:
    """Point the extension at a test's backend (what a person does in the extension's options)."""
    extension_worker(context).evaluate(f"chrome.storage.local.set({{backendUrl: {backend_url!r}}})")
