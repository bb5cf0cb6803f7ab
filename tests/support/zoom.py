"""Acting as a person at the sandbox's Zoom, and reading what the emulator holds, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
from authlib.common.security import generate_token

from backend.providers.base import Grant
from backend.providers.zoom import ZoomConfig, ZoomProvider
from tests.support.crm_webhooks import wait_for_company_webhook
from tests.support.live import LiveServers
from tests.support.signin import csrf_token, sign_in


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


def armed_faults(live: LiveServers) -> list[dict[str, Any]]:
    """The sandbox's faults not used up yet: an armed fault that is gone has met its request."""
    return httpx.get(f"{live.sandbox_url}/_sandbox/faults").json()


def connect_company_zoom(
    client: httpx.Client,
    live: LiveServers,
    csrf: str,
    email: str = "it@demo.example",
    passcode: str | None = "Pass1234",
) -> httpx.Response:
    """An administrator (signed in on ``client``) chooses Zoom, allows it at Zoom, and saves the passcode."""
    chosen = client.post(
        f"{live.backend_url}/admin/video-meetings/provider", data={"provider": "zoom", "_csrf_token": csrf}
    )
    assert chosen.status_code == 303, chosen.text
    page = client.get(str(consent(live, chosen.headers["location"], email)), follow_redirects=True)
    assert page.status_code == 200, page.text
    if passcode is not None:
        saved = client.post(
            f"{live.backend_url}/admin/video-meetings/setting",
            data={"value": passcode, "action": "save", "_csrf_token": csrf},
            follow_redirects=True,
        )
        assert saved.status_code == 200, saved.text
        return saved
    return page


def connect_user_zoom(client: httpx.Client, live: LiveServers, email: str) -> httpx.Response:
    """A user signed in to the CRM opens /connect (as the extension's window does) and allows Zoom."""
    # /connect checks with SuperOffice who is signed in now (a silent round trip), then sends us to Zoom.
    consent_page = client.get(f"{live.backend_url}/connect", follow_redirects=True)
    assert consent_page.url.path == "/zoom/oauth/authorize", consent_page.url
    return client.get(str(consent(live, str(consent_page.url), email)))


def set_up_company_zoom(
    live: LiveServers,
    *,
    email: str = "it@demo.example",
    passcode: str = "Pass1234",
    administrator: str = "admin",
    context_id: str = "Cust12345",
) -> None:
    """The company's administrator connects Zoom and saves the passcode (in a browser session of their own); the
    backend registers the company's webhook at SuperOffice meanwhile."""

    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, administrator, "/admin/video-meetings")
        connect_company_zoom(admin, live, csrf_token(page), email=email, passcode=passcode)
    wait_for_company_webhook(live, context_id)


def hold(live: LiveServers, meeting_id: str | int, step: str) -> None:
    """The host ``start``s or ``end``s the meeting at the sandbox's Zoom (nobody really joins it)."""
    answer = httpx.post(f"{live.sandbox_url}/zoom/_sandbox/meetings/{meeting_id}/{step}")
    assert answer.status_code == 200, answer.text


def api_delete(live: LiveServers, access_token: str, meeting_id: str | int) -> httpx.Response:
    """``DELETE /meetings/{id}`` as any Zoom client sends it: what Zoom itself answers."""
    headers = {"Authorization": f"Bearer {access_token}"}
    return httpx.delete(f"{live.settings.zoom_api_url}/meetings/{meeting_id}", headers=headers)


def revoke_without_token(live: LiveServers) -> httpx.Response:
    """``POST /oauth/revoke`` with the app's credentials but no ``token`` query parameter."""
    secret = live.settings.zoom_client_secret
    assert secret is not None
    auth = (live.settings.zoom_client_id, secret.get_secret_value())
    return httpx.post(f"{live.settings.zoom_url}/oauth/revoke", auth=auth)


def zoom_adapter(live: LiveServers, http: httpx.AsyncClient) -> ZoomProvider:
    """Our Zoom adapter as the backend makes it, pointed at the sandbox's Zoom, on ``http``."""
    settings = live.settings
    assert settings.zoom_client_secret is not None
    config = ZoomConfig(settings.zoom_url, settings.zoom_api_url, settings.zoom_client_id,
                        settings.zoom_client_secret.get_secret_value())  # fmt: skip
    return ZoomProvider(config, http)


async def zoom_grant(live: LiveServers, zoom: ZoomProvider, email: str = "anna@demo.example") -> Grant:
    """``email``'s Zoom user allows our app at the sandbox's Zoom; the adapter exchanges the code for a grant."""
    verifier, redirect = generate_token(48), live.settings.connect_callback_url("zoom")
    back = consent(live, zoom.authorization_url(redirect_uri=redirect, state="st", code_verifier=verifier), email)
    assert back.params["state"] == "st"
    return await zoom.exchange_code(code=back.params["code"], redirect_uri=redirect, code_verifier=verifier)
