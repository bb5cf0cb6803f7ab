"""The three video providers as tests drive them: the same steps (connect, consent, read what the emulator holds)
for Zoom, Microsoft Teams and Google Meet, so one test runs once per provider."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support import google, microsoft, zoom
from tests.support.crm_webhooks import wait_for_company_webhook
from tests.support.live import LiveServers
from tests.support.signin import csrf_token, sign_in


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting as the provider's emulator holds it, in the same words for every provider."""

    id: str
    join_url: str
    gone: bool
    """Deleted (Zoom, Teams), or restricted so outsiders can no longer join (Google Meet)."""
    raw: dict[str, Any]

    def has_link(self, url: str) -> bool:
        """Whether ``url`` joins this meeting (Zoom's link adds the passcode as a query)."""
        return url.split("?")[0] == self.join_url.split("?")[0]


@dataclass(frozen=True)
class Harness:
    kind: str
    name: str
    consent_path: str
    setting: str
    """The company setting an administrator saves (Zoom's passcode, Teams' lobby, Meet's access type)."""
    consent: Callable[[LiveServers, str, str], httpx.URL]
    held: Callable[[LiveServers], list[HeldMeeting]]
    arm: Callable[..., None]

    def __str__(self) -> str:
        return self.kind


def _zoom_held(live: LiveServers) -> list[HeldMeeting]:
    # Zoom's emulator lists only meetings it still holds, by number; the join link is /zoom/j/{number}?pwd=...
    return [
        HeldMeeting(str(m["id"]), f"{live.sandbox_url}/zoom/j/{m['id']}", False, m) for m in zoom.held_meetings(live)
    ]


def _teams_held(live: LiveServers) -> list[HeldMeeting]:
    return [HeldMeeting(str(m["id"]), m["joinWebUrl"], bool(m["deleted"]), m) for m in microsoft.held_meetings(live)]


def _meet_held(live: LiveServers) -> list[HeldMeeting]:
    return [
        HeldMeeting(str(s["name"]), s["meetingUri"], s["accessType"] == "RESTRICTED", s)
        for s in google.held_spaces(live)
    ]


ZOOM = Harness("zoom", "Zoom", "/zoom/oauth/authorize", "Pass1234", zoom.consent, _zoom_held, zoom.arm)
TEAMS = Harness(
    "teams",
    "Microsoft Teams",
    "/microsoft/login/organizations/oauth2/v2.0/authorize",
    "everyone",
    microsoft.consent,
    _teams_held,
    microsoft.arm,
)
GOOGLE_MEET = Harness(
    "google_meet", "Google Meet", "/google/accounts/o/oauth2/v2/auth", "open", google.consent, _meet_held, google.arm
)
ALL = (ZOOM, TEAMS, GOOGLE_MEET)


def choose(client: httpx.Client, live: LiveServers, csrf: str, harness: Harness) -> str:
    """The administrator chooses the provider; returns the provider's authorization URL."""
    chosen = client.post(
        f"{live.backend_url}/admin/video-meetings/provider", data={"provider": harness.kind, "_csrf_token": csrf}
    )
    assert chosen.status_code == 303, chosen.text
    return chosen.headers["location"]


def connect_company(
    client: httpx.Client, live: LiveServers, csrf: str, harness: Harness, *, email: str = "it@demo.example",
    save_setting: bool = True,
) -> httpx.Response:  # fmt: skip
    """An administrator (signed in on ``client``) chooses the provider, allows it there, and saves its setting."""
    page = client.get(str(harness.consent(live, choose(client, live, csrf, harness), email)), follow_redirects=True)
    assert page.status_code == 200, page.text
    if not save_setting:
        return page
    saved = client.post(
        f"{live.backend_url}/admin/video-meetings/setting",
        data={"value": harness.setting, "action": "save", "_csrf_token": csrf},
        follow_redirects=True,
    )
    assert saved.status_code == 200, saved.text
    return saved


def set_up_company(live: LiveServers, harness: Harness, *, email: str = "it@demo.example") -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        connect_company(admin, live, csrf_token(page), harness, email=email)
    wait_for_company_webhook(live)


def disconnect_company(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        done = admin.post(
            f"{live.backend_url}/admin/video-meetings/disconnect",
            data={"_csrf_token": csrf_token(page)},
            follow_redirects=True,
        )
        assert done.status_code == 200, done.text


def connect_user(client: httpx.Client, live: LiveServers, harness: Harness, email: str) -> httpx.Response:
    """A user signed in to the CRM opens /connect (as the extension's window does) and allows the provider."""
    consent_page = client.get(f"{live.backend_url}/connect", follow_redirects=True)
    assert consent_page.url.path == harness.consent_path, consent_page.url
    return client.get(str(harness.consent(live, str(consent_page.url), email)))
