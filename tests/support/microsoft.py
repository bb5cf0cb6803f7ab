"""Acting as a person at the sandbox's Microsoft, and reading or changing what the emulator holds, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.live import LiveServers


def consent(live: LiveServers, authorization_url: str, email: str) -> httpx.URL:
    """Allow the app on Microsoft's consent page as ``email``; returns where Microsoft sends the browser back."""
    answer = httpx.post(
        authorization_url.split("?", 1)[0],
        data={**dict(httpx.URL(authorization_url).params), "email": email, "decision": "allow"},
        follow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])


def held_meetings(live: LiveServers) -> list[dict[str, Any]]:
    """Every online meeting the emulator holds (deleted ones marked ``deleted``)."""
    return httpx.get(f"{live.sandbox_url}/microsoft/_sandbox/meetings").json()


def revoke(live: LiveServers, email: str) -> None:
    """The user removes the app: their refresh tokens then fail with AADSTS50173."""
    answer = httpx.post(f"{live.sandbox_url}/microsoft/_sandbox/revoke", json={"email": email})
    assert answer.status_code == 200, answer.text


def expire_access_tokens(live: LiveServers, email: str) -> None:
    """The user's access tokens expire now, so the next Graph call with one is 401 until a refresh."""
    answer = httpx.post(f"{live.sandbox_url}/microsoft/_sandbox/expire-access-tokens", json={"email": email})
    assert answer.status_code == 200, answer.text


def arm(live: LiveServers, fault: str, count: int = 1, target: str = "api", retry_after_seconds: int = 1) -> None:
    """Make the next ``count`` Graph calls (``target="api"``) or refreshes (``"token"``) fail with ``fault``."""
    body = {"provider": "microsoft", "fault": fault, "count": count, "target": target,
            "retry_after_seconds": retry_after_seconds}  # fmt: skip
    assert httpx.post(f"{live.sandbox_url}/_sandbox/faults", json=body).status_code == 204
