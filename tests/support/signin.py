"""Signing in to the backend through the sandbox's SuperOffice, over real HTTP (no browser)."""

from __future__ import annotations

import html
import re

import httpx

from tests.support.live import LiveServers


def sign_in(client: httpx.Client, live: LiveServers, username: str, next_path: str = "/") -> httpx.Response:
    """Sign in as a demo user and follow every redirect back to the backend; returns the final response."""
    start = client.get(f"{live.backend_url}/auth/login", params={"next": next_path}, follow_redirects=True)
    assert start.url.path == "/login", start.url  # the CRM's sign-in form, with the authorize request as next
    return client.post(
        f"{live.sandbox_url}/login",
        data={"username": username, "password": username, "next": start.url.params["next"]},
        follow_redirects=True,
    )


def csrf_token(page: httpx.Response) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def page_text(page: httpx.Response) -> str:
    """The page's text as a reader sees it: entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(page.text).split())
