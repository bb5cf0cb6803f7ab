"""Zoom's documented samples against our adapter and receiver, and the Zoom emulator against Zoom's Meetings OpenAPI.

Sources: ``samples/zoom/*.json`` (each names its own); ``samples/zoom/meetings-openapi-extract.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.models import Meeting, UserConnection
from backend.providers.base import ErrorKind, MeetingDetails, ProviderError
from tests.contracts.provider_samples import (
    grant,
    problems,
    recorded_http,
    request_schema,
    response_schema,
    shape,
    zoom_adapter,
)
from tests.contracts.shapes import sample
from tests.integration import conftest as integration
from tests.integration.conftest import MakeUser
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.zoom import api_delete, hold, set_up_company_zoom

make_extension_user = integration.make_extension_user  # the fixture, shared with the integration tests
START = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
DETAILS = MeetingDetails(topic="Contract", start=START, duration_minutes=30, timezone="Europe/Oslo", agenda="Agenda")


def _signed(live: LiveServers, message: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    """Sign as Zoom signs (the app's secret token over ``v0:{timestamp}:{body}``)."""
    assert live.settings.zoom_webhook_secret is not None
    secret = live.settings.zoom_webhook_secret.get_secret_value().encode()
    now, body = str(int(time.time())), json.dumps(message).encode()
    signature = "v0=" + hmac.new(secret, f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
    return body, {"content-type": "application/json", "x-zm-request-timestamp": now, "x-zm-signature": signature}


def test_the_documented_app_deauthorized_event_removes_the_user_and_their_meetings_data(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    made = anna.api.post("", json={"topic": "x", "start": START.isoformat(), "duration_minutes": 30,
                                   "idempotency_key": "contract"})  # fmt: skip
    assert made.status_code == 201, made.text
    [connection] = rows(live.settings, UserConnection)
    event = sample("zoom/app_deauthorized")
    event["payload"] |= {"user_id": connection.provider_user_id, "client_id": live.settings.zoom_client_id}

    answer = httpx.post(f"{live.backend_url}/webhooks/zoom", content=_signed(live, event)[0],
                        headers=_signed(live, event)[1])  # fmt: skip

    assert answer.status_code == 200, answer.text
    assert rows(live.settings, UserConnection) == []
    assert [(m.join_url, m.passcode, m.provider_meeting_id) for m in rows(live.settings, Meeting)] == [("", "", "")]


def test_the_documented_url_validation_is_answered_with_the_hmac_of_the_plain_token(live: LiveServers) -> None:
    event = sample("zoom/endpoint_url_validation")
    body, headers = _signed(live, event)

    answer = httpx.post(f"{live.backend_url}/webhooks/zoom", content=body, headers=headers)

    assert live.settings.zoom_webhook_secret is not None
    secret = live.settings.zoom_webhook_secret.get_secret_value().encode()
    plain = event["payload"]["plainToken"]
    assert answer.json() == {
        "plainToken": plain,
        "encryptedToken": hmac.new(secret, plain.encode(), "sha256").hexdigest(),
    }


@pytest.mark.parametrize(("case", "removed"), [("ended", True), ("expired", True), ("not_found", True),
                                               ("in_progress", False)])  # fmt: skip
@pytest.mark.anyio
async def test_zooms_documented_delete_refusals_are_read_as_zoom_means_them(
    live: LiveServers, case: str, removed: bool
) -> None:
    documented = sample("zoom/delete_meeting_errors")[case]
    transport = httpx.MockTransport(lambda _: httpx.Response(documented["status"], json=documented["body"]))
    async with httpx.AsyncClient(transport=transport) as http:
        zoom = zoom_adapter(live, http)
        if removed:
            await zoom.delete_meeting("token", "85746065432")
        else:
            with pytest.raises(ProviderError) as refused:
                await zoom.delete_meeting("token", "85746065432")
            assert refused.value.kind is ErrorKind.IN_PROGRESS
            assert "going on right now" in refused.value.message


@pytest.mark.anyio
async def test_the_emulator_refuses_deletes_with_the_documented_shape(live: LiveServers) -> None:
    async with recorded_http() as (http, _):
        zoom = zoom_adapter(live, http)
        token = (await grant(live, zoom)).access_token
        running = await zoom.create_meeting(token, DETAILS, {"passcode": "Pass1234"})
        past = MeetingDetails(topic="Past", start=datetime.now(UTC) - timedelta(hours=2), duration_minutes=30)
        ended = await zoom.create_meeting(token, past, {"passcode": "Pass1234"})
    hold(live, running.id, "start")
    documented = sample("zoom/delete_meeting_errors")

    for meeting_id, case in ((running.id, "in_progress"), (ended.id, "ended"), ("99999999999", "not_found")):
        answer = api_delete(live, token, meeting_id)
        assert answer.status_code == documented[case]["status"]
        assert shape(answer.json()) == shape(documented[case]["body"])
        assert answer.json()["code"] == documented[case]["body"]["code"]


@pytest.mark.anyio
async def test_our_requests_and_the_emulators_answers_follow_zooms_openapi(live: LiveServers) -> None:
    async with recorded_http() as (http, recorder):
        zoom = zoom_adapter(live, http)
        token = (await grant(live, zoom)).access_token
        meeting = await zoom.create_meeting(token, DETAILS, {"passcode": "Pass1234"})
        moved = MeetingDetails(topic="Moved", start=START + timedelta(days=1), duration_minutes=45)
        await zoom.update_meeting(token, meeting.id, moved, {"passcode": "Pass1234"})
        await zoom.host_url(token, meeting.id)
        await zoom.delete_meeting(token, meeting.id)

    [create] = recorder.to("POST", "/users/me/meetings")
    assert problems("zoom", request_schema("zoom", "createMeeting"), create.body) == []
    assert create.status == 201
    assert problems("zoom", response_schema("zoom", "createMeeting", "201"), create.answer) == []
    [update] = recorder.to("PATCH", f"/meetings/{meeting.id}")
    assert problems("zoom", request_schema("zoom", "updateMeeting"), update.body) == []
    assert (update.status, update.answer) == (204, None)
    [read] = recorder.to("GET", f"/meetings/{meeting.id}")
    assert problems("zoom", response_schema("zoom", "getMeeting", "200"), read.answer) == []
    [removal] = recorder.to("DELETE", f"/meetings/{meeting.id}")
    assert (removal.status, removal.answer) == (204, None)


def test_a_running_meeting_is_kept_with_a_clear_message_and_an_ended_one_is_removed(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    body = {"topic": "x", "start": START.isoformat(), "duration_minutes": 30, "idempotency_key": "running"}
    made = anna.api.post("", json=body).json()
    [held] = [m for m in rows(live.settings, Meeting) if str(m.id) == made["id"]]
    hold(live, held.provider_meeting_id, "start")

    refused = anna.api.delete(f"/{made['id']}")

    assert refused.status_code == 409
    assert refused.json() == {"error": "meeting_in_progress", "message": (
        "This Zoom meeting is going on right now. End it in Zoom first, then remove it here.")}  # fmt: skip
    assert anna.api.get(f"/{made['id']}").status_code == 200
    hold(live, held.provider_meeting_id, "end")
    assert anna.api.delete(f"/{made['id']}").status_code == 204  # Zoom: 3007, ended; for us: removed
    assert anna.api.get(f"/{made['id']}").status_code == 404
