"""Acting as a person at the sandbox's Google, and reading what the emulator holds, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.live import LiveServers


def consent(live: LiveServers, authorization_url: str, email: str, browser: httpx.Client | None = None) -> httpx.URL:
    """Allow the app on Google's consent page as ``email``; returns where Google sends the browser back.

    ``browser`` keeps Google's sign-in cookie from one call to the next (a fresh browser by default). When the
    signed-in user already granted everything asked and ``prompt`` has no ``consent``, Google skips the page and
    sends the browser straight back (a code without a refresh token): that redirect is returned.
    """
    assert authorization_url.startswith(live.settings.google_accounts_url), authorization_url
    client = browser or httpx.Client(timeout=10)
    try:
        page = client.get(authorization_url, follow_redirects=False)
        if page.status_code == 302:
            return httpx.URL(page.headers["location"])
        assert page.status_code == 200, page.text
        url = httpx.URL(authorization_url)
        answer = client.post(
            str(url.copy_with(query=None)),
            data={**dict(url.params), "email": email, "decision": "allow"},
            follow_redirects=False,
        )
        assert answer.status_code == 302, answer.text
        return httpx.URL(answer.headers["location"])
    finally:
        if browser is None:
            client.close()


def held_spaces(live: LiveServers) -> list[dict[str, Any]]:
    """Every Meet space the emulator holds, with ``owner_email``, ``accessType`` and ``active_conference``."""
    return httpx.get(f"{live.sandbox_url}/google/_sandbox/spaces").json()


def revoke_user(live: LiveServers, email: str, *, subject_type: str = "iss-sub") -> dict[str, Any]:
    """The user removes the app's access in their Google Account; returns ``{"sub", "receivers"}`` once the
    security events (their subject ``iss-sub`` or ``id_token_claims``) were delivered."""
    body = {"email": email, "subject_type": subject_type}
    answer = httpx.post(f"{live.sandbox_url}/google/_sandbox/revoke-user", json=body, timeout=20)
    assert answer.status_code == 200, answer.text
    return answer.json()


def join(live: LiveServers, space_name: str) -> dict[str, Any]:
    """Someone joins the space (``spaces/<id>``): a conference starts in it. Returns the space."""
    space_id = space_name.removeprefix("spaces/")
    answer = httpx.post(f"{live.sandbox_url}/google/_sandbox/spaces/{space_id}/join")
    assert answer.status_code == 200, answer.text
    return answer.json()


def expire_access_tokens(live: LiveServers, email: str) -> int:
    """Every access token of this user expires now (refresh tokens still work); returns how many did."""
    answer = httpx.post(f"{live.sandbox_url}/google/_sandbox/expire-access-tokens", json={"email": email})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["expired"])


def arm(live: LiveServers, fault: str, count: int = 1, target: str = "api", retry_after_seconds: int = 1) -> None:
    body = {"provider": "google", "fault": fault, "count": count, "target": target,
            "retry_after_seconds": retry_after_seconds}  # fmt: skip
    assert httpx.post(f"{live.sandbox_url}/_sandbox/faults", json=body).status_code == 204
