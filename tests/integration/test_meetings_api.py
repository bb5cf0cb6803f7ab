"""The extension's meetings API over real HTTP, with the Zoom emulator behind it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.models import ConnectionState, Meeting, MeetingState, UserConnection
from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.rows import change_rows, rows
from tests.support.signin import sign_in
from tests.support.zoom import arm, connect_user_zoom, held_meetings, set_up_company_zoom

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def _new(key: str = "click-1", **changes: Any) -> dict[str, Any]:
    body = {"topic": "Kick-off with Nordic Tools", "start": START.isoformat(), "duration_minutes": 45,
            "timezone": "Europe/Oslo", "idempotency_key": key}  # fmt: skip
    return {**body, **changes}


@pytest.fixture
def company(live: LiveServers) -> Iterator[None]:
    """Demo Company AS with Zoom connected and its passcode saved."""
    set_up_company_zoom(live, passcode="Pass1234")
    yield


@pytest.fixture
def anna(company: None, make_extension_user: MakeUser) -> ExtensionUser:
    return make_extension_user("anna", zoom_email="anna@demo.example")


def test_a_meeting_is_made_at_zoom_with_the_company_passcode(live: LiveServers, anna: ExtensionUser) -> None:
    created = anna.api.post("", json=_new(alarm_minutes_before=15))

    assert created.status_code == 201, created.text
    meeting = created.json()
    [held] = held_meetings(live)
    assert meeting["join_url"].startswith(f"{live.sandbox_url}/zoom/j/{held['id']}")
    assert (held["topic"], held["password"], held["duration"]) == ("Kick-off with Nordic Tools", "Pass1234", 45)
    assert datetime.fromisoformat(meeting["alarm_at"]) == START - timedelta(minutes=15)
    assert "host" not in str(meeting).lower()  # the host's link is never in what participants' side sees


def test_the_hosts_start_link_is_asked_for_fresh_and_never_kept(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new()).json()

    host_link = anna.api.get(f"/{meeting['id']}/host-link").json()["url"]

    assert "zak=" in host_link  # Zoom's start link carries a host token (it came with the create too)...
    kept = [str(getattr(row, name)) for row in rows(live.settings, Meeting) for name in Meeting.model_fields]
    assert not [value for value in kept if "zak=" in value]  # ...that we never store


def test_the_same_click_twice_makes_one_meeting(live: LiveServers, anna: ExtensionUser) -> None:
    first = anna.api.post("", json=_new("double-click"))
    second = anna.api.post("", json=_new("double-click"))

    assert first.json()["id"] == second.json()["id"]
    assert len(held_meetings(live)) == 1


def test_simultaneous_clicks_make_one_meeting(live: LiveServers, anna: ExtensionUser) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: anna.api.post("", json=_new("same-moment")), range(4)))

    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(held_meetings(live)) == 1


def test_moving_and_renaming_updates_zoom_in_place(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new(alarm_minutes_before=10)).json()
    later = START + timedelta(days=1, hours=2)

    moved = anna.api.patch(f"/{meeting['id']}", json={"start": later.isoformat(), "topic": "Kick-off (moved)",
                                                      "appointment_id": 1234})  # fmt: skip

    assert moved.status_code == 200, moved.text
    assert moved.json()["join_url"] == meeting["join_url"]
    assert datetime.fromisoformat(moved.json()["alarm_at"]) == later - timedelta(minutes=10)
    [held] = held_meetings(live)
    assert held["topic"] == "Kick-off (moved)"
    assert held["start_time"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [m["id"] for m in anna.api.get("", params={"appointment": 1234}).json()] == [meeting["id"]]


def test_removing_deletes_it_at_zoom_and_keeps_history(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new()).json()

    assert anna.api.delete(f"/{meeting['id']}").status_code == 204

    assert held_meetings(live) == []
    assert anna.api.get(f"/{meeting['id']}").status_code == 404
    assert anna.api.delete(f"/{meeting['id']}").status_code == 404
    [row] = rows(live.settings, Meeting)
    assert row.state == MeetingState.REMOVED


def test_the_host_gets_a_fresh_start_link(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new()).json()

    first = anna.api.get(f"/{meeting['id']}/host-link").json()["url"]
    second = anna.api.get(f"/{meeting['id']}/host-link").json()["url"]

    assert "zak=" in first and first != second


def test_upcoming_lists_meetings_with_an_alarm(live: LiveServers, anna: ExtensionUser) -> None:
    with_alarm = anna.api.post("", json=_new("a", alarm_minutes_before=5)).json()
    anna.api.post("", json=_new("b"))

    upcoming = anna.api.get("/upcoming").json()

    assert [m["id"] for m in upcoming] == [with_alarm["id"]]


def test_before_the_administrator_has_set_up_a_provider(live: LiveServers, make_extension_user: MakeUser) -> None:
    with httpx.Client(timeout=20) as admin:
        sign_in(admin, live, "admin")  # the company exists, but no provider is configured
    user = make_extension_user("anna")

    refused = user.api.post("", json=_new())

    assert refused.status_code == 409
    assert refused.json()["error"] == "not_configured"
    assert "Ask your SuperOffice administrator" in refused.json()["message"]


def test_a_user_without_a_zoom_connection_is_sent_to_connect(
    live: LiveServers, company: None, make_extension_user: MakeUser
) -> None:
    user = make_extension_user("bjorn")

    refused = user.api.post("", json=_new())

    assert refused.status_code == 409
    assert refused.json() == {
        "error": "connect_needed",
        "message": "Connect your Zoom account to add video meetings.",
        "connect_url": f"{live.backend_url}/connect",
    }
    assert held_meetings(live) == []


def test_nobody_else_can_touch_a_users_meeting(
    live: LiveServers, anna: ExtensionUser, make_extension_user: MakeUser
) -> None:
    meeting = anna.api.post("", json=_new()).json()
    bjorn = make_extension_user("bjorn", zoom_email="bjorn@demo.example")

    assert bjorn.api.patch(f"/{meeting['id']}", json={"topic": "Mine now"}).status_code == 404
    assert bjorn.api.delete(f"/{meeting['id']}").status_code == 404
    forged = httpx.delete(f"{live.backend_url}/api/meetings/{meeting['id']}", headers={"Authorization": "Bearer x"})
    assert forged.status_code == 401
    assert forged.json()["error"] == "unauthorized"
    [held] = held_meetings(live)
    assert held["topic"] == "Kick-off with Nordic Tools"


@pytest.mark.parametrize(
    ("body", "message"),
    [(_new(start="2026-12-01T10:00:00"), "start must be a date-time with its UTC offset"),
     (_new(start="9999-12-31T10:00:00+00:00"), "start must be between 2000 and 2999"),
     (_new(duration_minutes=0), "duration_minutes must be a whole number from 1 to 1440"),
     (_new(timezone="Mars/Olympus"), "is not an IANA time zone"),
     (_new(idempotency_key=""), "idempotency_key must be 1 to 128 characters"),
     (_new(idempotency_key="   "), "idempotency_key must be 1 to 128 characters"),
     (_new(alarm_minutes_before=10**12), "alarm_minutes_before must be a whole number from 0 to 40320"),
     (_new(appointment_id=2**70), "appointment_id must be a SuperOffice appointment id (1 to 2147483647)"),
     (_new(topic="x" * 256), "topic must be text of at most 255 characters"),
     # These two reached Zoom, then PostgreSQL refused the NUL: a 500, and a meeting nobody could see.
     (_new(topic="Kick-off\x00"), "topic must be text of at most 255 characters (and no NUL character)"),
     (_new(idempotency_key="click\x00"), "idempotency_key must be 1 to 128 characters, no NUL among them")],
)  # fmt: skip
def test_a_wrong_request_says_what_to_fix(
    live: LiveServers, anna: ExtensionUser, body: dict[str, Any], message: str
) -> None:
    refused = anna.api.post("", json=body)

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    assert message in refused.json()["message"]
    assert held_meetings(live) == []


def test_a_change_with_an_unknown_field_is_refused(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new()).json()

    refused = anna.api.patch(f"/{meeting['id']}", json={"colour": "red"})

    assert refused.status_code == 400
    assert "unknown field `colour`" in refused.json()["message"]


def test_asking_for_an_appointment_id_superoffice_cannot_have_is_a_clear_400(anna: ExtensionUser) -> None:
    refused = anna.api.get("", params={"appointment": [1, 2**70]})

    assert refused.status_code == 400
    assert "Each appointment must be a SuperOffice appointment id" in refused.json()["message"]


def test_a_move_with_a_wrong_alarm_is_refused_before_zoom_is_changed(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new(alarm_minutes_before=10)).json()
    later = START + timedelta(hours=3)

    refused = anna.api.patch(f"/{meeting['id']}", json={"start": later.isoformat(), "alarm_minutes_before": 10**12})

    assert refused.status_code == 400
    [held] = held_meetings(live)
    assert datetime.fromisoformat(held["start_time"].replace("Z", "+00:00")) == START  # Zoom was not moved
    assert anna.api.get(f"/{meeting['id']}").json()["start"] == meeting["start"]


def test_a_rename_with_a_nul_character_is_refused_before_zoom_is_changed(
    live: LiveServers, anna: ExtensionUser
) -> None:
    meeting = anna.api.post("", json=_new()).json()

    refused = anna.api.patch(f"/{meeting['id']}", json={"topic": "Renamed\x00"})  # PostgreSQL 500'd on it

    assert refused.status_code == 400
    assert "topic must be text of at most 255 characters (and no NUL character)" in refused.json()["message"]
    [held] = held_meetings(live)
    assert held["topic"] == meeting["topic"]


def test_nulls_in_a_change_leave_those_fields_and_a_null_alarm_turns_it_off(anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new(alarm_minutes_before=10)).json()

    changed = anna.api.patch(f"/{meeting['id']}", json={"topic": None, "start": None, "alarm_minutes_before": None})

    assert changed.status_code == 200, changed.text
    assert (changed.json()["topic"], changed.json()["start"]) == (meeting["topic"], meeting["start"])
    assert changed.json()["alarm_at"] is None


def test_zoom_rate_limiting_is_reported_and_nothing_is_left_half_done(live: LiveServers, anna: ExtensionUser) -> None:
    arm(live, "rate_limited", retry_after_seconds=120)

    limited = anna.api.post("", json=_new("busy"))

    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert limited.headers["Retry-After"] == "120"
    assert rows(live.settings, Meeting) == []
    assert anna.api.post("", json=_new("busy")).status_code == 201  # the same click, retried, works


def test_zoom_failing_is_a_clear_502_and_the_retry_works(live: LiveServers, anna: ExtensionUser) -> None:
    arm(live, "server_error")

    failed = anna.api.post("", json=_new("flaky"))

    assert failed.status_code == 502
    assert failed.json() == {"error": "provider_unavailable",
                             "message": "Zoom is not answering properly right now. Try again in a moment."}  # fmt: skip
    assert anna.api.post("", json=_new("flaky")).status_code == 201
    assert len(held_meetings(live)) == 1


def test_a_dead_grant_asks_the_user_to_reconnect_and_reconnecting_works(live: LiveServers, anna: ExtensionUser) -> None:
    change_rows(live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(minutes=1)})
    arm(live, "invalid_grant", target="token")

    refused = anna.api.post("", json=_new("after-revoke"))

    assert refused.status_code == 409
    assert refused.json()["error"] == "connect_needed"
    assert refused.json()["message"] == "Your Zoom connection no longer works. Connect your Zoom account again."
    [connection] = rows(live.settings, UserConnection)
    assert connection.state == ConnectionState.BROKEN

    assert connect_user_zoom(anna.browser, live, "anna@demo.example").status_code == 200
    assert anna.api.post("", json=_new("after-reconnect")).status_code == 201


def test_many_requests_just_after_expiry_refresh_once(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = anna.api.post("", json=_new()).json()
    change_rows(live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(seconds=1)})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: anna.api.get(f"/{meeting['id']}/host-link"), range(8)))

    # Zoom kills a refresh token on first use: a second refresh with it would have broken the grant.
    assert [a.status_code for a in answers] == [200] * 8
    [connection] = rows(live.settings, UserConnection)
    assert connection.state == ConnectionState.ACTIVE
    assert connection.token_expires_at is not None
    assert connection.token_expires_at > datetime.now(UTC) + timedelta(minutes=50)
