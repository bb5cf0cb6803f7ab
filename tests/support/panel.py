"""The video meeting web panel as its frame uses it, over HTTP: the sign-in window's code, redeemed with the frame's
verifier for a session token sent as ``Authorization: Bearer``."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

import httpx

from tests.support.live import LiveServers
from tests.support.signin import sign_in


def verifier_and_challenge() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def sign_in_window(browser: httpx.Client, live: LiveServers, username: str, challenge: str, ctx: str) -> httpx.Response:
    """What the panel's sign-in window shows after SuperOffice's sign-in (``browser`` keeps the cookies)."""
    return sign_in(browser, live, username, f"/panel/sign-in?challenge={challenge}&ctx={ctx}")


def code_in(page: httpx.Response) -> str:
    match = re.search(r'data-panel-code="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def panel_client(live: LiveServers, username: str, ctx: str = "Cust12345") -> httpx.Client:
    """A panel frame signed in as ``username``: a client that sends the panel session with each request."""
    verifier, challenge = verifier_and_challenge()
    with httpx.Client(timeout=20) as window:
        code = code_in(sign_in_window(window, live, username, challenge, ctx))
    redeemed = httpx.post(f"{live.backend_url}/panel/session", json={"code": code, "verifier": verifier})
    assert redeemed.status_code == 200, redeemed.text
    token = redeemed.json()["token"]
    return httpx.Client(base_url=f"{live.backend_url}/panel/followup", timeout=30,
                        headers={"Authorization": f"Bearer {token}", "HX-Request": "true"})  # fmt: skip
