"""A user of the extension, as the API sees them: signed in, optionally connected to Zoom, holding a token."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from playwright.sync_api import BrowserContext

from tests.support.browser import extension_worker, use_backend
from tests.support.live import LiveServers
from tests.support.providers import Harness, connect_user
from tests.support.signin import sign_in
from tests.support.zoom import connect_user_zoom, set_up_company_zoom


@dataclass
class ExtensionUser:
    api: httpx.Client
    """Sends the extension token; base URL is the backend's ``/api/meetings``."""
    browser: httpx.Client
    """The user's browser session at the backend and the sandbox."""


def extension_token(browser: httpx.Client, live: LiveServers) -> str:
    page = browser.get(f"{live.backend_url}/extension/connect", follow_redirects=True)
    assert page.status_code == 200, page.text
    match = re.search(r'data-extension-token="([^"]+)"', page.text)
    assert match
    return match.group(1)


def extension_user(
    live: LiveServers,
    username: str,
    *,
    zoom_email: str | None = None,
    provider: Harness | None = None,
    provider_email: str | None = None,
) -> ExtensionUser:
    """A signed-in user holding an extension token; connected to Zoom (``zoom_email``) or to ``provider``."""
    browser = httpx.Client(timeout=20)
    sign_in(browser, live, username)
    if zoom_email:
        assert connect_user_zoom(browser, live, zoom_email).status_code == 200
    if provider is not None and provider_email:
        connected = connect_user(browser, live, provider, provider_email)
        assert connected.status_code == 200, connected.text
    token = extension_token(browser, live)
    api = httpx.Client(
        base_url=f"{live.backend_url}/api/meetings", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    return ExtensionUser(api=api, browser=browser)


def connected_extension(context: BrowserContext, live: LiveServers, username: str = "anna") -> dict[str, str]:
    """Zoom set up for the company and for the user, and the extension in ``context`` holding the user's token
    (stored by the worker, as the connect window's hand-over does). Returns the API's Authorization header."""
    set_up_company_zoom(live)
    with httpx.Client(timeout=20) as user:
        sign_in(user, live, username)
        connect_user_zoom(user, live, f"{username}@demo.example")
        token = extension_token(user, live)
    use_backend(context, live.backend_url)
    extension_worker(context).evaluate(
        f"chrome.storage.local.set({{connection: {{token: {token!r}, backendUrl: {live.backend_url!r}}}}})"
    )
    return {"Authorization": f"Bearer {token}"}
