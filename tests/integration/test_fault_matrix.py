"""Issue 15's fault matrix: each provider's ways of failing by what a user does, over the extension's API with the
provider's emulator behind it, and the job that follows the CRM under the same failures.

Every case checks what a person would: the answer says what happened in their words (and when to try again); nothing
is left half-made (a failed create leaves no meeting on either side, a failed move or remove changes neither side);
nothing they asked for is lost (the same request, sent again once the failure is over, does it); a refresh that
fails for a moment leaves the connection working, while a dead grant marks it broken and asks them to connect again.

Setting up a company takes seconds, so one company and user per provider serve all of that provider's cases: each
case makes its own meetings, and the faults it armed and a connection it broke are cleared after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col

from backend.models import AuditEvent, ConnectionState, Job, JobState, Meeting, MeetingState, UserConnection
from backend.providers.calls import MAX_ATTEMPTS
from backend.web.activity import describe
from tests.support.database import create_tables, fresh_database, run_blocking, settings_for
from tests.support.extension_api import ExtensionUser, extension_user
from tests.support.live import LiveServers, live_servers
from tests.support.providers import ALL, GOOGLE_MEET, ZOOM, Harness, HeldMeeting, connect_user, set_up_company
from tests.support.rows import change_rows, rows
from tests.support.waiting import eventually

PROVIDER_TIMEOUT_SECONDS = 0.5
"""How long the backend waits for a provider here: each try that meets a ``hang`` costs this much."""
START = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=5)
LATER = START + timedelta(days=1, hours=2)
DURATION = 45
EMAIL = "anna@demo.example"
CRM = "Cust12345"


@dataclass(frozen=True)
class World:
    """One company with ``harness`` as its provider, and Anna connected to it, holding the extension's token."""

    live: LiveServers
    harness: Harness
    anna: ExtensionUser


@pytest.fixture(scope="module", params=ALL, ids=str)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    harness: Harness = request.param
    tmp_path: Path = tmp_path_factory.mktemp(harness.kind)
    with fresh_database(tmp_path) as database:
        settings = settings_for(tmp_path, database).model_copy(
            update={"provider_timeout_seconds": PROVIDER_TIMEOUT_SECONDS}
        )
        run_blocking(create_tables(settings))
        with live_servers(settings) as live:
            set_up_company(live, harness)
            anna = extension_user(live, "anna", provider=harness, provider_email=EMAIL)
            try:
                yield World(live, harness, anna)
            finally:
                anna.api.close()
                anna.browser.close()


@pytest.fixture(autouse=True)
def calm(world: World) -> Iterator[None]:
    """Each case starts with no fault armed; afterwards what it armed is cleared and a connection it broke is
    connected again, so that a case that fails does not fail the next ones too."""
    _clear_faults(world)
    yield
    _clear_faults(world)
    if _connection(world).state == ConnectionState.BROKEN:
        _reconnect(world)


@dataclass(frozen=True)
class Failure:
    """A fault armed at the emulator: ``target`` ``api`` (the meetings API) or ``token`` (a refresh)."""

    name: str
    target: str
    fault: str
    count: int = 1
    retry_after_seconds: int = 1
    only: str = ""
    """The one provider that fails this way (Microsoft's consent_required)."""

    def __str__(self) -> str:
        return self.name

    @property
    def kills_the_grant(self) -> bool:
        return self.target == "token" and self.fault in ("invalid_grant", "consent_required")

    def arm(self, world: World) -> None:
        world.harness.arm(world.live, self.fault, self.count, self.target, self.retry_after_seconds)


API_FAILURES = [
    Failure("429", "api", "rate_limited", retry_after_seconds=120),  # longer than is waited out in a request
    Failure("500", "api", "server_error", count=MAX_ATTEMPTS),  # every try (Graph and Meet say 503: a create retries)
    Failure("timeout", "api", "hang", count=MAX_ATTEMPTS),
    Failure("401", "api", "invalid_grant"),  # the access token refused: refreshed, and the call made again
]
REFRESH_FAILURES = [
    Failure("429", "token", "rate_limited", retry_after_seconds=120),
    Failure("500", "token", "server_error"),
    Failure("timeout", "token", "hang"),
    Failure("invalid_grant", "token", "invalid_grant"),
    Failure("consent_required", "token", "consent_required", only="teams"),
]
CASES = [
    *[(failure, operation) for failure in API_FAILURES for operation in ("create", "move", "remove")],
    # A refresh happens before any call when the access token has expired; before a create matters most, since the
    # create has reserved its idempotency key by then. (Refreshes before a move or delete: the job's cases below.)
    *[(failure, "refresh") for failure in REFRESH_FAILURES],
]


@dataclass(frozen=True)
class Answer:
    status: int
    error: str
    message: str
    retry_after: str | None = None


def _answer_while_failing(world: World, failure: Failure, operation: str) -> Answer | None:
    """What the API answers while ``failure`` lasts; None when the operation succeeds all the same."""
    name = world.harness.name
    if failure.target == "api" and failure.fault == "invalid_grant":
        return None
    if failure.target == "api" and operation == "move" and world.harness is GOOGLE_MEET:
        return None  # a Meet space has no time or title: a move asks nothing of Google's API
    if failure.fault == "rate_limited":
        wait = f"in about {round(failure.retry_after_seconds / 60)} minutes"
        return Answer(429, "rate_limited", f"{name} is handling too many requests right now. Try again {wait}.",
                      str(failure.retry_after_seconds))  # fmt: skip
    if failure.fault == "server_error":
        return Answer(
            502, "provider_unavailable", f"{name} is not answering properly right now. Try again in a moment."
        )
    if failure.fault == "hang":
        return Answer(502, "provider_unavailable", f"{name} did not answer in time. Try again in a moment.")
    return Answer(409, "connect_needed", f"Your {name} connection no longer works. Connect your {name} account again.")


@pytest.mark.parametrize(("failure", "operation"), CASES, ids=str)
def test_a_provider_failure_is_told_plainly_leaves_nothing_half_made_and_loses_nothing(
    world: World, failure: Failure, operation: str
) -> None:
    if failure.only and failure.only != world.harness.kind:
        pytest.skip(f"only {failure.only} fails this way")
    key = f"{failure}-{operation}-{uuid.uuid4().hex[:8]}"
    operation = "create" if operation == "refresh" else operation
    meeting = None if operation == "create" else _create(world, f"{key}-before")
    held_before = _held_ids(world)
    if failure.target == "token":
        _expire_access_token(world)
    failure.arm(world)

    first = _send(world, operation, key, meeting)

    expected = _answer_while_failing(world, failure, operation)
    if expected is None:
        _done(world, operation, key, meeting, first, held_before)
        return
    assert first.status_code == expected.status, first.text
    assert (first.json()["error"], first.json()["message"]) == (expected.error, expected.message)
    assert first.headers.get("Retry-After") == expected.retry_after
    _nothing_half_made(world, operation, key, meeting, held_before)
    expected_state = ConnectionState.BROKEN if failure.kills_the_grant else ConnectionState.ACTIVE
    assert _connection(world).state == expected_state

    _clear_faults(world)  # the provider is back; a dead grant needs the user to connect again
    if failure.kills_the_grant:
        _reconnect(world)
    again = _send(world, operation, key, meeting)

    _done(world, operation, key, meeting, again, held_before)


# Following the CRM: a move or delete of an appointment that carries a meeting is done by the job.

JOB_FAILURES = [
    Failure("500", "api", "server_error", count=MAX_ATTEMPTS),  # all of one attempt's tries: the job must retry
    Failure("429", "api", "rate_limited", retry_after_seconds=3600),  # waited for as long as the provider asks
    Failure("refresh-timeout", "token", "hang"),  # a refresh is not repeated within an attempt: the job must retry
    Failure("invalid_grant", "token", "invalid_grant"),
    Failure("consent_required", "token", "consent_required", only="teams"),
]


@pytest.mark.parametrize("change", ["move", "delete"])
@pytest.mark.parametrize("failure", JOB_FAILURES, ids=str)
def test_following_the_crm_retries_while_the_provider_is_away_and_gives_up_on_a_dead_grant(
    world: World, failure: Failure, change: str
) -> None:
    if failure.only and failure.only != world.harness.kind:
        pytest.skip(f"only {failure.only} fails this way")
    meeting, appointment = _meeting_on_a_crm_appointment(world, f"{failure}-{change}")
    operation = "move" if change == "move" else "remove"
    held_before = _held_ids(world)
    if failure.target == "token":
        _expire_access_token(world)
    failure.arm(world)

    _change_in_the_crm(world, appointment, change)

    asks_nothing_of_google = world.harness is GOOGLE_MEET and change == "move"  # a Meet space has no time or title
    if failure.kills_the_grant and not asks_nothing_of_google:
        event = eventually(lambda: _follow_failures(world, appointment["AppointmentId"]))[0]
        name, verb = world.harness.name, "change" if change == "move" else "remove"
        assert describe(event) == (
            f"could not {verb} the {name} meeting \u201c{meeting['topic']}\u201d of associate "
            f"{event.subject_associate_id} as its CRM appointment {appointment['AppointmentId']} asked: "
            f"Your {name} connection no longer works. Connect your {name} account again."
        )
        assert _connection(world).state == ConnectionState.BROKEN
        eventually(lambda: not _follow_jobs(world, appointment))  # given up, not retried: a new grant is needed first
        _nothing_half_made(world, operation, "", meeting, held_before)
        return
    if failure.fault == "rate_limited" and not asks_nothing_of_google:
        waiting = eventually(lambda: _follow_jobs(world, appointment, JobState.PENDING, tried=True))[0]
        assert waiting.run_after > datetime.now(UTC) + timedelta(minutes=50), "Retry-After was not waited for"
        assert "too many requests" in waiting.last_error
        _nothing_half_made(world, operation, "", meeting, held_before)
        _clear_faults(world)
        change_rows(world.live.settings, Job, {"run_after": datetime.now(UTC)}, Job.id == waiting.id)  # time passes
    eventually(lambda: _followed(world, operation, meeting), timeout=15)
    _done(world, operation, "", meeting, None, held_before)
    assert _follow_failures(world, appointment["AppointmentId"]) == []
    assert _connection(world).state == ConnectionState.ACTIVE


def test_following_the_crm_gives_up_and_says_so_when_the_provider_stays_away(world: World) -> None:
    meeting, appointment = _meeting_on_a_crm_appointment(world, "stays-away")
    held_before = _held_ids(world)
    Failure("429", "api", "rate_limited", count=100, retry_after_seconds=3600).arm(world)

    _change_in_the_crm(world, appointment, "delete")

    attempts = world.live.settings.job_max_attempts
    for attempt in range(1, attempts):  # each wait the provider asked for is over at once
        waiting = eventually(
            lambda n=attempt: _follow_jobs(world, appointment, JobState.PENDING, tried=True, attempts=n)
        )[0]
        change_rows(world.live.settings, Job, {"run_after": datetime.now(UTC)}, Job.id == waiting.id)
    [failed] = eventually(lambda: _follow_jobs(world, appointment, JobState.FAILED))
    assert failed.attempts == attempts
    [event] = _follow_failures(world, appointment["AppointmentId"])  # told once, when given up
    name = world.harness.name
    assert describe(event).endswith(
        f"asked: {name} is handling too many requests right now. Try again in about 60 minutes. (given up after "
        f"{attempts} attempts)"
    )
    _nothing_half_made(world, "remove", "", meeting, held_before)


# Acting as Anna


def _body(key: str, topic: str = "Kick-off with Nordic Tools") -> dict[str, Any]:
    return {"topic": topic, "start": START.isoformat(), "duration_minutes": DURATION, "timezone": "Europe/Oslo",
            "idempotency_key": key}  # fmt: skip


MOVE = {"start": LATER.isoformat(), "topic": "Kick-off (moved)"}


def _create(world: World, key: str, topic: str = "Kick-off with Nordic Tools") -> dict[str, Any]:
    created = world.anna.api.post("", json=_body(key, topic))
    assert created.status_code == 201, created.text
    return created.json()


def _send(world: World, operation: str, key: str, meeting: dict[str, Any] | None) -> httpx.Response:
    if operation == "create":
        return world.anna.api.post("", json=_body(key))
    assert meeting is not None
    if operation == "move":
        return world.anna.api.patch(f"/{meeting['id']}", json=MOVE)
    return world.anna.api.delete(f"/{meeting['id']}")


def _reconnect(world: World) -> None:
    connected = connect_user(world.anna.browser, world.live, world.harness, EMAIL)
    assert connected.status_code == 200, connected.text
    assert _connection(world).state == ConnectionState.ACTIVE


def _meeting_on_a_crm_appointment(world: World, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Anna's CRM appointment, and its meeting: made in the dialog, attached by the extension once it was saved.

    (Attached so rather than by the link in the appointment: that way writes the link to the appointment, whose echo
    from SuperOffice arrives at a moment no test knows and would follow the change a case makes.)"""
    topic = f"Visit {label}"
    end = START + timedelta(minutes=DURATION)
    body = {"Title": topic, "StartDate": START.isoformat(), "EndDate": end.isoformat()}
    saved = world.anna.browser.post(f"{world.live.sandbox_url}/{CRM}/api/v1/Appointment", json=body)
    assert saved.status_code == 200, saved.text
    appointment = saved.json()
    meeting = _create(world, f"{label}-{uuid.uuid4().hex[:8]}", topic)
    attached = world.anna.api.patch(f"/{meeting['id']}", json={"appointment_id": appointment["AppointmentId"]})
    assert attached.status_code == 200, attached.text
    return meeting, appointment


def _change_in_the_crm(world: World, appointment: dict[str, Any], change: str) -> None:
    url = f"{world.live.sandbox_url}/{CRM}/api/v1/Appointment/{appointment['AppointmentId']}"
    if change == "delete":
        assert world.anna.browser.delete(url).status_code == 204
        return
    end = LATER + timedelta(minutes=DURATION)
    moved = {**appointment, "Title": MOVE["topic"], "StartDate": LATER.isoformat(), "EndDate": end.isoformat()}
    assert world.anna.browser.put(url, json=moved).status_code == 200


# What each side holds


def _nothing_half_made(
    world: World, operation: str, key: str, meeting: dict[str, Any] | None, held_before: set[str]
) -> None:
    if operation == "create":
        assert [m.state for m in _rows_with_key(world, key)] in ([], [MeetingState.PENDING])
        assert _held_ids(world) == held_before  # the provider holds no meeting from it
        return
    assert meeting is not None
    row = _row(world, meeting)
    assert row.state == MeetingState.ACTIVE
    assert (row.topic, row.start_at) == (meeting["topic"], START)
    held = _at_provider(world, meeting)
    assert held is not None and not held.gone
    assert _schedule_at_provider(world, held) in (None, (row.topic, row.start_at))


def _done(
    world: World,
    operation: str,
    key: str,
    meeting: dict[str, Any] | None,
    answer: httpx.Response | None,
    held_before: set[str],
) -> None:
    """What was asked for is done, on both sides (``answer``: the API's, when the user asked)."""
    if operation == "create":
        assert answer is not None and answer.status_code == 201, answer and answer.text
        [row] = _rows_with_key(world, key)
        assert (row.state, str(row.id)) == (MeetingState.ACTIVE, answer.json()["id"])
        [new] = _held_ids(world) - held_before
        held = _at_provider(world, answer.json())
        assert held is not None and held.id == new and not held.gone
        return
    assert meeting is not None
    row = _row(world, meeting)
    held = _at_provider(world, meeting)
    if operation == "move":
        assert answer is None or answer.status_code == 200, answer.text
        assert (row.state, row.topic, row.start_at) == (MeetingState.ACTIVE, MOVE["topic"], LATER)
        assert row.join_url == meeting["join_url"]  # moved in place: the link people have still works
        assert held is not None and _schedule_at_provider(world, held) in (None, (MOVE["topic"], LATER))
        return
    assert answer is None or answer.status_code == 204, answer.text
    assert row.state == MeetingState.REMOVED
    assert held is None or held.gone


def _followed(world: World, operation: str, meeting: dict[str, Any]) -> bool:
    row = _row(world, meeting)
    return row.start_at == LATER if operation == "move" else row.state == MeetingState.REMOVED


def _held_ids(world: World) -> set[str]:
    return {held.id for held in world.harness.held(world.live)}


def _at_provider(world: World, meeting: dict[str, Any]) -> HeldMeeting | None:
    return next((held for held in world.harness.held(world.live) if held.has_link(meeting["join_url"])), None)


def _schedule_at_provider(world: World, held: HeldMeeting) -> tuple[str, datetime] | None:
    """(title, start) as the provider holds them; None for a Meet space, which has neither."""
    if world.harness is GOOGLE_MEET:
        return None
    zoom = world.harness is ZOOM
    title, start = (
        (held.raw["topic"], held.raw["start_time"]) if zoom else (held.raw["subject"], held.raw["startDateTime"])
    )
    return title, datetime.fromisoformat(start.replace("Z", "+00:00"))


def _row(world: World, meeting: dict[str, Any]) -> Meeting:
    [row] = rows(world.live.settings, Meeting, Meeting.id == uuid.UUID(meeting["id"]))
    return row


def _rows_with_key(world: World, key: str) -> list[Meeting]:
    return rows(world.live.settings, Meeting, Meeting.idempotency_key == key)


def _connection(world: World) -> UserConnection:
    [connection] = rows(world.live.settings, UserConnection)
    return connection


def _expire_access_token(world: World) -> None:
    """The access token we hold has expired: the next call refreshes it first."""
    change_rows(world.live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(minutes=1)})


def _clear_faults(world: World) -> None:
    assert httpx.delete(f"{world.live.sandbox_url}/_sandbox/faults").status_code == 204


def _follow_jobs(
    world: World,
    appointment: dict[str, Any],
    state: JobState | None = None,
    *,
    tried: bool = False,
    attempts: int | None = None,
) -> list[Job]:
    """The appointment's follow-up jobs waiting or running (or in ``state``); ``tried``: that have failed before."""
    states = [JobState.PENDING, JobState.RUNNING] if state is None else [state]
    jobs = rows(world.live.settings, Job, Job.kind == "follow_appointment", col(Job.state).in_(states))
    return [
        job
        for job in jobs
        if job.payload["appointment_id"] == appointment["AppointmentId"]
        and (job.last_error or not tried)
        and attempts in (None, job.attempts)
    ]


def _follow_failures(world: World, appointment_id: int) -> list[AuditEvent]:
    events = rows(world.live.settings, AuditEvent, AuditEvent.action == "meetings.follow_failed")
    return [event for event in events if event.detail.get("appointment") == appointment_id]
