"""Signing in to the backend through the sandbox's SuperOffice, over real HTTP (no browser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skipping += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def page_text(page: httpx.Response) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    parser = _Text()
    parser.feed(page.text)
    return " ".join(" ".join(parser.parts).split())
