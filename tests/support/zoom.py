"""Acting as a person at the sandbox's Zoom, and reading what the emulator holds, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.live import LiveServers


def consent(live: LiveServers, authorization_url: str, email: str) -> httpx.URL:
    """Allow the app on Zoom's consent page as ``email``; returns where Zoom sends the browser back."""
    params = dict(httpx.URL(authorization_url).params)
    answer = httpx.post(
        f"{live.sandbox_url}/zoom/oauth/authorize",
        data={**params, "email": email, "decision": "allow"},
        follow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])


def held_meetings(live: LiveServers) -> list[dict[str, Any]]:
    return httpx.get(f"{live.sandbox_url}/zoom/_sandbox/meetings").json()


def arm(live: LiveServers, fault: str, count: int = 1, target: str = "api", retry_after_seconds: int = 1) -> None:
    body = {"provider": "zoom", "fault": fault, "count": count, "target": target,
            "retry_after_seconds": retry_after_seconds}  # fmt: skip
    assert httpx.post(f"{live.sandbox_url}/_sandbox/faults", json=body).status_code == 204
