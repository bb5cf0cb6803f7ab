"""The web panels the sandbox's SuperOffice holds (its control endpoint), for tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.live import LiveServers
from tests.support.waiting import eventually


def web_panels(live: LiveServers, context_id: str = "Cust12345") -> list[dict[str, Any]]:
    answer = httpx.get(f"{live.sandbox_url}/_sandbox/superoffice/web-panels", params={"context_id": context_id})
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for_web_panel(live: LiveServers, context_id: str = "Cust12345") -> dict[str, Any]:
    """The company's web panel once the backend's job has saved it at SuperOffice (shown, not deleted)."""
    shown: list[dict[str, Any]] = []

    def saved() -> bool:
        shown[:] = [item for item in web_panels(live, context_id) if not item["Deleted"]]
        return bool(shown)

    eventually(saved, timeout=15)
    return shown[0]
