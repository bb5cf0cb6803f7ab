"""The Zoom adapter against the Zoom emulator over real HTTP: the same code that talks to zoom.us."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.providers.base import ErrorKind, MeetingDetails, ProviderError
from backend.providers.zoom import ZoomConfig, ZoomProvider
from tests.support.live import LiveServers
from tests.support.zoom import api_delete, arm, held_meetings, hold, revoke_without_token, zoom_adapter, zoom_grant

pytestmark = pytest.mark.anyio

START = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
"""In the future: Zoom refuses to delete a meeting whose time is past (it "has ended")."""
DETAILS = MeetingDetails(topic="Kick-off", start=START, duration_minutes=45, timezone="Europe/Oslo", agenda="Plan")
COMPANY = {"passcode": "Pass1234"}


@pytest.fixture
async def zoom(live: LiveServers) -> AsyncIterator[ZoomProvider]:
    # Answers that never come are given up after 0.5 s; connecting (the kernel's work on loopback) may take longer
    # on a busy machine without meaning anything.
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5, connect=10.0)) as http:
        yield zoom_adapter(live, http)


def _zoom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_connect_and_ask_who_it_is(live: LiveServers, zoom: ZoomProvider) -> None:
    grant = await zoom_grant(live, zoom)

    account = await zoom.who_am_i(grant.access_token)

    assert account.email == "anna@demo.example"
    assert account.account_id
    assert grant.expires_at > datetime.now(UTC) + timedelta(minutes=55)
    assert grant.access_token not in repr(grant)


async def test_a_meeting_is_made_moved_in_place_and_removed(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token

    meeting = await zoom.create_meeting(token, DETAILS, COMPANY)
    [held] = held_meetings(live)
    assert held["id"] == int(meeting.id)
    assert (held["topic"], held["password"], held["start_time"]) == ("Kick-off", "Pass1234", _zoom_time(START))

    moved = MeetingDetails(topic="Kick-off (moved)", start=START + timedelta(days=1), duration_minutes=60)
    assert await zoom.update_meeting(token, meeting.id, moved, COMPANY) is None  # same links
    [held] = held_meetings(live)
    moved_start = _zoom_time(START + timedelta(days=1))
    assert (held["topic"], held["start_time"], held["duration"]) == ("Kick-off (moved)", moved_start, 60)

    await zoom.delete_meeting(token, meeting.id)
    assert held_meetings(live) == []
    await zoom.delete_meeting(token, meeting.id)  # already gone: nothing to do, no error


async def test_the_host_link_is_fresh_each_time(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    meeting = await zoom.create_meeting(token, DETAILS, COMPANY)

    first, second = await zoom.host_url(token, meeting.id), await zoom.host_url(token, meeting.id)

    assert "zak=" in first
    assert first != second


async def test_refresh_rotates_and_a_used_refresh_token_means_reconnect(live: LiveServers, zoom: ZoomProvider) -> None:
    grant = await zoom_grant(live, zoom)

    renewed = await zoom.refresh(grant.refresh_token or "")
    assert renewed.refresh_token != grant.refresh_token
    assert (await zoom.who_am_i(renewed.access_token)).email == "anna@demo.example"

    with pytest.raises(ProviderError) as dead:
        await zoom.refresh(grant.refresh_token or "")
    assert dead.value.kind is ErrorKind.GRANT_REVOKED
    assert "Connect your Zoom account again" in dead.value.message


async def test_a_short_rate_limit_is_waited_out(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    arm(live, "rate_limited", count=2, retry_after_seconds=1)

    started = time.monotonic()
    account = await zoom.who_am_i(token)

    assert account.email == "anna@demo.example"
    assert time.monotonic() - started >= 2  # two Retry-After waits of a second each


async def test_a_daily_limit_is_reported_with_when_to_try_again(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    arm(live, "daily_limit", retry_after_seconds=3 * 3600)

    with pytest.raises(ProviderError) as limited:
        await zoom.create_meeting(token, DETAILS, COMPANY)

    assert limited.value.kind is ErrorKind.RATE_LIMITED
    assert limited.value.retry_after_seconds == pytest.approx(3 * 3600, abs=5)
    assert "Try again in about 180 minutes" in limited.value.message
    assert held_meetings(live) == []


async def test_server_errors_are_retried_for_reads_but_not_for_a_create(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    arm(live, "server_error", count=2)
    assert (await zoom.who_am_i(token)).email == "anna@demo.example"  # third attempt succeeds

    arm(live, "server_error", count=1)
    with pytest.raises(ProviderError) as failed:
        await zoom.create_meeting(token, DETAILS, COMPANY)
    assert failed.value.kind is ErrorKind.UNAVAILABLE
    assert held_meetings(live) == []
    await zoom.create_meeting(token, DETAILS, COMPANY)  # the single fault was used by the single attempt
    assert len(held_meetings(live)) == 1


async def test_a_provider_that_hangs_fails_clearly(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    arm(live, "hang", count=3)

    with pytest.raises(ProviderError) as hung:
        await zoom.who_am_i(token)

    assert hung.value.kind is ErrorKind.UNAVAILABLE
    assert hung.value.message == "Zoom did not answer in time. Try again in a moment."


async def test_an_armed_invalid_grant_marks_the_grant_dead(live: LiveServers, zoom: ZoomProvider) -> None:
    grant = await zoom_grant(live, zoom)
    arm(live, "invalid_grant", target="token")

    with pytest.raises(ProviderError) as dead:
        await zoom.refresh(grant.refresh_token or "")

    assert dead.value.kind is ErrorKind.GRANT_REVOKED


async def test_after_revoke_the_token_is_refused(live: LiveServers, zoom: ZoomProvider) -> None:
    grant = await zoom_grant(live, zoom)

    await zoom.revoke(grant.access_token)

    with pytest.raises(ProviderError) as refused:
        await zoom.who_am_i(grant.access_token)
    assert refused.value.kind is ErrorKind.UNAUTHORIZED


@pytest.mark.parametrize(
    ("start", "code"),
    [(datetime.now(UTC) - timedelta(hours=3), 3007), (datetime.now(UTC) - timedelta(days=40), 300)],
    ids=["ended", "expired"],
)
async def test_a_meeting_zoom_calls_ended_or_expired_counts_as_removed(
    live: LiveServers, zoom: ZoomProvider, start: datetime, code: int
) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    past = MeetingDetails(topic="Yesterday's", start=start, duration_minutes=30)
    meeting = await zoom.create_meeting(token, past, COMPANY)
    answer = api_delete(live, token, meeting.id)
    assert (answer.status_code, answer.json()["code"]) == (400, code)  # what Zoom says to a delete

    await zoom.delete_meeting(token, meeting.id)  # no error: gone as far as we are concerned


async def test_a_meeting_in_progress_is_not_removed_and_the_user_is_told_why(
    live: LiveServers, zoom: ZoomProvider
) -> None:
    token = (await zoom_grant(live, zoom)).access_token
    meeting = await zoom.create_meeting(token, DETAILS, COMPANY)
    hold(live, meeting.id, "start")

    with pytest.raises(ProviderError) as running:
        await zoom.delete_meeting(token, meeting.id)

    assert running.value.kind is ErrorKind.IN_PROGRESS
    assert (
        running.value.message == "This Zoom meeting is going on right now. End it in Zoom first, then remove it here."
    )
    assert len(held_meetings(live)) == 1
    hold(live, meeting.id, "end")
    await zoom.delete_meeting(token, meeting.id)  # ended now: 3007, removed for us


async def test_revoking_sends_the_token_as_a_query_parameter_and_survives_a_non_json_refusal(
    live: LiveServers, zoom: ZoomProvider
) -> None:
    grant = await zoom_grant(live, zoom)
    bare = revoke_without_token(live)
    assert (bare.status_code, bare.headers["content-type"].split(";")[0]) == (400, "text/plain")

    await zoom.revoke("")  # Zoom answers this one with plain text: not JSON, and no crash
    await zoom.revoke(grant.refresh_token or "")

    with pytest.raises(ProviderError) as refused:
        await zoom.who_am_i(grant.access_token)
    assert refused.value.kind is ErrorKind.UNAUTHORIZED
    await zoom.revoke(grant.refresh_token or "")  # a second time: Zoom no longer knows it, nothing to do


async def test_zoom_refusing_a_meeting_says_why(live: LiveServers, zoom: ZoomProvider) -> None:
    token = (await zoom_grant(live, zoom)).access_token

    with pytest.raises(ProviderError) as refused:
        await zoom.create_meeting(token, DETAILS, {"passcode": "not allowed!"})

    assert refused.value.kind is ErrorKind.REJECTED
    assert refused.value.message == "Zoom refused the meeting: Invalid passcode.."


def test_passcodes_follow_zoom_rules() -> None:
    zoom = ZoomProvider(ZoomConfig("https://zoom.us", "https://api.zoom.us/v2", "id", "secret"), httpx.AsyncClient())

    assert zoom.validate_company_setting("  Pass_1234 ") == "Pass_1234"
    for wrong, reason in [("", "Enter a meeting passcode"), ("abc", "at least 6"), ("abcdefghijk", "at most 10"),
                          ("pass word", "only contain")]:  # fmt: skip
        with pytest.raises(ValueError, match=reason):
            zoom.validate_company_setting(wrong)
    generated = {zoom.generate_company_setting() for _ in range(20)}
    assert len(generated) == 20
    assert all(zoom.validate_company_setting(passcode) == passcode for passcode in generated)
