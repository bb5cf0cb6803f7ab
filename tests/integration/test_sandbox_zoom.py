"""The Zoom emulator keeps Zoom's published contract (OAuth, Meetings API, errors, rate limits, webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.sandbox.app import SandboxConfig, create_sandbox_app
from backend.sandbox.zoom.apps import ZoomApp, signed_event

pytestmark = pytest.mark.anyio

SANDBOX = "http://127.0.0.1:8001"
APP = ZoomApp(
    client_id="zoom-client",
    client_secret="zoom-secret-0123456789",
    redirect_uris=("http://127.0.0.1:8000/connect/zoom/callback",),
    webhook_url="http://127.0.0.1:9/webhooks/zoom",
    webhook_secret="webhook-secret-token",
)
VERIFIER = "z" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
BASIC = (APP.client_id, APP.client_secret)
MEETING = {
    "topic": "Quarterly review",
    "type": 2,
    "start_time": "2030-11-26T09:00:00Z",  # in the future: Zoom refuses to delete ended meetings
    "duration": 45,
    "timezone": "Europe/Oslo",
    "agenda": "Numbers",
    "password": "abc123",
    "settings": {"join_before_host": False, "waiting_room": True},
}


@pytest.fixture
async def zoom(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = SandboxConfig(tmp_path, SANDBOX, "http://127.0.0.1:8000", b"s" * 32, zoom_apps=(APP,))
    # Called in-process, as a program on this computer: the sandbox's controls answer only loopback clients.
    transport = httpx.ASGITransport(app=create_sandbox_app(config), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as client:
        yield client


async def _code(zoom: httpx.AsyncClient, email: str = "anna@demo.example", **extra: str) -> str:
    form = {"client_id": APP.client_id, "response_type": "code", "redirect_uri": APP.redirect_uris[0],
            "state": "s1", "code_challenge": CHALLENGE, "code_challenge_method": "S256", "email": email,
            "decision": "allow", **extra}  # fmt: skip
    answer = await zoom.post("/zoom/oauth/authorize", data=form, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"].startswith(APP.redirect_uris[0] + "?code=")
    return answer.headers["location"].split("code=")[1].split("&")[0]


async def _tokens(zoom: httpx.AsyncClient, email: str = "anna@demo.example") -> dict[str, Any]:
    form = {"grant_type": "authorization_code", "code": await _code(zoom, email),
            "redirect_uri": APP.redirect_uris[0], "code_verifier": VERIFIER}  # fmt: skip
    answer = await zoom.post("/zoom/oauth/token", data=form, auth=BASIC)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_the_consent_page_asks_for_email_and_allow(zoom: httpx.AsyncClient) -> None:
    params = {"client_id": APP.client_id, "response_type": "code", "redirect_uri": APP.redirect_uris[0], "state": "x"}

    page = await zoom.get("/zoom/oauth/authorize", params=params)

    assert page.status_code == 200
    assert "Allow Meetings for SuperOffice to access your Zoom account?" in page.text
    for control in ('<label for="zoom-email">Email</label>', ">Allow</button>", ">Deny</button>"):
        assert control in page.text


async def test_deny_goes_back_with_access_denied(zoom: httpx.AsyncClient) -> None:
    form = {"client_id": APP.client_id, "redirect_uri": APP.redirect_uris[0], "state": "s9", "decision": "deny"}

    answer = await zoom.post("/zoom/oauth/authorize", data=form, follow_redirects=False)

    assert answer.headers["location"] == f"{APP.redirect_uris[0]}?error=access_denied&state=s9"


async def test_an_unlisted_redirect_is_error_4709_not_a_redirect(zoom: httpx.AsyncClient) -> None:
    params = {"client_id": APP.client_id, "response_type": "code", "redirect_uri": "https://evil.example/cb"}

    page = await zoom.get("/zoom/oauth/authorize", params=params, follow_redirects=False)

    assert page.status_code == 400
    assert "4709" in page.text


async def test_tokens_need_basic_auth_the_verifier_and_a_fresh_code(zoom: httpx.AsyncClient) -> None:
    code = await _code(zoom)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": APP.redirect_uris[0]}

    in_form = await zoom.post("/zoom/oauth/token", data={**form, "client_id": APP.client_id,
                                                           "client_secret": APP.client_secret})  # fmt: skip
    assert in_form.status_code == 401
    assert in_form.json() == {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}

    wrong = await zoom.post("/zoom/oauth/token", data={**form, "code_verifier": "y" * 64}, auth=BASIC)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    fresh = {**form, "code": await _code(zoom), "code_verifier": VERIFIER}
    first = await zoom.post("/zoom/oauth/token", data=fresh, auth=BASIC)
    again = await zoom.post("/zoom/oauth/token", data=fresh, auth=BASIC)
    assert first.status_code == 200
    assert first.json()["token_type"] == "bearer"
    assert first.json()["expires_in"] == 3599
    assert again.status_code == 400


async def test_a_refresh_rotates_and_the_old_refresh_token_dies_at_once(zoom: httpx.AsyncClient) -> None:
    tokens = await _tokens(zoom)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    rotated = await zoom.post("/zoom/oauth/token", data=refresh, auth=BASIC)
    reused = await zoom.post("/zoom/oauth/token", data=refresh, auth=BASIC)

    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    assert reused.status_code == 400
    assert reused.json() == {"reason": "Invalid Token!", "error": "invalid_grant"}
    me = await zoom.get("/zoom/v2/users/me", headers=_bearer(rotated.json()))
    assert me.json()["email"] == "anna@demo.example"


async def test_meetings_are_created_read_moved_and_deleted(zoom: httpx.AsyncClient) -> None:
    auth = _bearer(await _tokens(zoom))

    created = await zoom.post("/zoom/v2/users/me/meetings", json=MEETING, headers=auth)
    assert created.status_code == 201
    meeting = created.json()
    assert isinstance(meeting["id"], int)
    assert meeting["join_url"].startswith(f"{SANDBOX}/zoom/j/{meeting['id']}")
    assert "zak=" in meeting["start_url"]
    assert meeting["password"] == "abc123"
    assert meeting["start_time"] == "2030-11-26T09:00:00Z"

    url = f"/zoom/v2/meetings/{meeting['id']}"
    moved = await zoom.patch(url, json={"start_time": "2030-11-27T14:30:00", "topic": "Moved"}, headers=auth)
    assert moved.status_code == 204
    assert moved.content == b""
    again = (await zoom.get(url, headers=auth)).json()
    assert again["start_time"] == "2030-11-27T13:30:00Z"  # local Oslo time (UTC+1) in the meeting's time zone
    assert again["topic"] == "Moved"
    assert again["join_url"].split("?")[0] == meeting["join_url"].split("?")[0]
    assert again["start_url"] != meeting["start_url"]  # a fresh host token each time

    assert (await zoom.delete(url, headers=auth)).status_code == 204
    gone = await zoom.get(url, headers=auth)
    assert gone.status_code == 404
    assert gone.json() == {"code": 3001, "message": f"Meeting does not exist: {meeting['id']}."}


async def test_one_host_cannot_touch_another_hosts_meeting(zoom: httpx.AsyncClient) -> None:
    anna = _bearer(await _tokens(zoom, "anna@demo.example"))
    bjorn = _bearer(await _tokens(zoom, "bjorn@demo.example"))
    meeting = (await zoom.post("/zoom/v2/users/me/meetings", json=MEETING, headers=anna)).json()

    assert (await zoom.delete(f"/zoom/v2/meetings/{meeting['id']}", headers=bjorn)).status_code == 404
    assert (await zoom.get(f"/zoom/v2/meetings/{meeting['id']}", headers=anna)).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [({"password": "far-too-long-passcode"}, "password"), ({"topic": "x" * 201}, "topic"),
     ({"start_time": "tomorrow"}, "start_time"), ({"timezone": "Mars/Olympus"}, "timezone")],
)  # fmt: skip
async def test_a_wrong_meeting_is_refused_as_zoom_does(
    zoom: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    auth = _bearer(await _tokens(zoom))

    refused = await zoom.post("/zoom/v2/users/me/meetings", json={**MEETING, **change}, headers=auth)

    assert refused.status_code == 400
    assert refused.json()["code"] == 300
    assert refused.json()["errors"][0]["field"] == field


async def test_without_a_valid_token_the_api_answers_124(zoom: httpx.AsyncClient) -> None:
    refused = await zoom.get("/zoom/v2/users/me", headers={"Authorization": "Bearer nope"})

    assert refused.status_code == 401
    assert refused.json() == {"code": 124, "message": "Invalid access token."}


async def test_armed_faults_answer_like_zoom_then_clear(zoom: httpx.AsyncClient) -> None:
    auth = _bearer(await _tokens(zoom))
    await zoom.post("/_sandbox/faults", json={"provider": "zoom", "fault": "rate_limited", "count": 1,
                                              "retry_after_seconds": 3})  # fmt: skip
    await zoom.post("/_sandbox/faults", json={"provider": "zoom", "fault": "server_error", "count": 1})
    armed = (await zoom.get("/_sandbox/faults")).json()

    limited = await zoom.get("/zoom/v2/users/me", headers=auth)
    failing = await zoom.get("/zoom/v2/users/me", headers=auth)
    fine = await zoom.get("/zoom/v2/users/me", headers=auth)

    assert [(f["fault"], f["remaining"]) for f in armed] == [("rate_limited", 1), ("server_error", 1)]
    assert (await zoom.get("/_sandbox/faults")).json() == []  # used up

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.json()["code"] == 429
    assert failing.status_code == 500
    assert fine.status_code == 200


async def test_an_armed_invalid_grant_refuses_the_next_refresh(zoom: httpx.AsyncClient) -> None:
    tokens = await _tokens(zoom)
    await zoom.post("/_sandbox/faults", json={"provider": "zoom", "fault": "invalid_grant", "target": "token"})

    refused = await zoom.post(
        "/zoom/oauth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=BASIC
    )

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


async def test_an_armed_invalid_grant_at_the_api_refuses_the_access_token_as_zoom_does(zoom: httpx.AsyncClient) -> None:
    auth = _bearer(await _tokens(zoom))
    await zoom.post("/_sandbox/faults", json={"provider": "zoom", "fault": "invalid_grant"})

    refused = await zoom.get("/zoom/v2/users/me", headers=auth)

    assert refused.status_code == 401
    assert refused.json() == {"code": 124, "message": "Access token is expired."}
    assert (await zoom.get("/zoom/v2/users/me", headers=auth)).status_code == 200


async def test_an_unknown_fault_is_refused_with_the_choices(zoom: httpx.AsyncClient) -> None:
    refused = await zoom.post("/_sandbox/faults", json={"provider": "zoom", "fault": "meteor"})

    assert refused.status_code == 400
    assert "rate_limited" in refused.text


async def test_revoking_ends_every_token_of_that_user(zoom: httpx.AsyncClient) -> None:
    tokens = await _tokens(zoom)

    in_the_body = await zoom.post("/zoom/oauth/revoke", data={"token": tokens["access_token"]}, auth=BASIC)
    revoked = await zoom.post("/zoom/oauth/revoke", params={"token": tokens["access_token"]}, auth=BASIC)

    assert (in_the_body.status_code, in_the_body.text) == (400, "Bad Request")  # Zoom reads ?token= (its samples)
    assert revoked.json() == {"status": "success"}
    assert (await zoom.get("/zoom/v2/users/me", headers=_bearer(tokens))).status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert (await zoom.post("/zoom/oauth/token", data=refresh, auth=BASIC)).json()["error"] == "invalid_grant"


def test_event_notifications_are_signed_as_zoom_signs_them() -> None:
    body, headers = signed_event(APP, "app_deauthorized", {"user_id": "u1"}, timestamp=1764000000)

    expected = hmac.new(APP.webhook_secret.encode(), f"v0:1764000000:{body}".encode(), hashlib.sha256).hexdigest()
    assert headers["x-zm-request-timestamp"] == "1764000000"
    assert headers["x-zm-signature"] == f"v0={expected}"
    assert json.loads(body) == {"event": "app_deauthorized", "event_ts": 1764000000000, "payload": {"user_id": "u1"}}
