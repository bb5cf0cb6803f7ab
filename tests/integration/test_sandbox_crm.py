"""The emulated SuperOffice: sign-in and the appointment WebAPI, with SuperOffice's field names and errors."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.sandbox.app import SandboxConfig, create_sandbox_app

pytestmark = pytest.mark.anyio

APPOINTMENT = {
    "Title": "Quarterly review",
    "Task": {"Id": 1},
    "StartDate": "2026-11-26T10:00:00+01:00",
    "EndDate": "2026-11-26T11:00:00+01:00",
    "Location": "",
    "Description": "Agenda to follow.",
    "HasAlarm": True,
    "AlarmLeadTime": "PT10M",
    "Participants": [{"EmailAddress": "kari@customer.example", "SendEmail": True}],
}


def _sandbox(data_dir: Path) -> Litestar:
    return create_sandbox_app(
        SandboxConfig(
            data_dir=data_dir,
            public_url="http://127.0.0.1:8001",
            backend_url="http://127.0.0.1:8000",
            session_secret=b"s" * 32,
        )
    )


async def _signed_in(client: AsyncTestClient[Litestar], username: str) -> None:
    response = await client.post(
        "/login", data={"username": username, "password": username, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


@pytest.fixture
async def crm(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=_sandbox(tmp_path)) as client:
        yield client


async def _create(client: AsyncTestClient[Litestar], body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/Cust12345/api/v1/Appointment", json=body or APPOINTMENT)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_diary_asks_for_sign_in_first(crm: AsyncTestClient[Litestar]) -> None:
    response = await crm.get("/", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    form = await crm.get("/login")
    for text in ("User name", "Password", "Sign in"):
        assert text in form.text


async def test_a_wrong_password_is_refused_with_a_message(crm: AsyncTestClient[Litestar]) -> None:
    response = await crm.post("/login", data={"username": "anna", "password": "wrong", "next": "/"})

    assert response.status_code == 401
    assert "The user name or password is not correct." in response.text
    assert (await crm.get("/", follow_redirects=False)).status_code == 303


async def test_sign_in_never_redirects_off_site(crm: AsyncTestClient[Litestar]) -> None:
    response = await crm.post(
        "/login", data={"username": "anna", "password": "anna", "next": "//evil.example/"}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_a_signed_in_user_sees_the_diary_with_new_appointment(crm: AsyncTestClient[Litestar]) -> None:
    await _signed_in(crm, "anna")

    page = await crm.get("/")

    assert page.status_code == 200
    assert "Anna Andersen" in page.text
    assert "New appointment" in page.text
    for label in (
        "Title",
        "Meeting type",
        "Start",
        "End",
        "Location",
        "Description",
        "Participants",
        "Alarm",
        "Alarm lead time",
        "Send invitations",
        "Save",
        "Cancel",
    ):
        assert f">{label}<" in page.text, label


async def test_appointments_round_trip_with_superoffice_field_names(crm: AsyncTestClient[Litestar]) -> None:
    await _signed_in(crm, "anna")

    created = await _create(crm)
    appointment_id = created["AppointmentId"]
    fetched = (await crm.get(f"/Cust12345/api/v1/Appointment/{appointment_id}")).json()

    assert appointment_id > 0
    assert fetched["Title"] == "Quarterly review"
    assert fetched["Task"] == {"Id": 1, "Value": "Business meeting"}
    assert fetched["Associate"]["AssociateId"] == 2
    assert fetched["HasAlarm"] is True
    assert fetched["AlarmLeadTime"] == "PT10M"
    assert fetched["Participants"][0]["EmailAddress"] == "kari@customer.example"
    assert fetched["Participants"][0]["SendEmail"] is True
    assert fetched["JoinVideomeetUrl"] == ""
    assert fetched["CentralserviceVideomeetId"] == ""


async def test_dates_follow_the_so_timezone_header_as_documented(crm: AsyncTestClient[Litestar]) -> None:
    """SuperOffice/SDK-Doc ``.../Headers/SO-Timezone.md``: the base zone without offsets unless asked."""
    await _signed_in(crm, "anna")
    url = f"/Cust12345/api/v1/Appointment/{(await _create(crm))['AppointmentId']}"  # 10:00+01:00

    async def start(zone: str | None) -> tuple[str, str]:
        entity = (await crm.get(url, headers={"SO-TimeZone": zone} if zone else {})).json()
        return entity["StartDate"], entity["UpdatedDate"]

    assert (await start(None))[0] == "2026-11-26T10:00:00"
    assert (await start("NO"))[0] == (await start("261"))[0] == "2026-11-26T10:00:00"
    assert (await start("US-NY"))[0] == "2026-11-26T04:00:00"
    assert (await start("US-NY, includeTZOffset"))[0] == "2026-11-26T04:00:00-0500"
    in_utc, updated = await start("UTC, includeTZOffset")
    assert in_utc == "2026-11-26T09:00:00+0000" and updated.endswith("Z")
    assert "+" not in (await start(None))[1] and not (await start(None))[1].endswith("Z")

    times = {"StartDate": "2026-11-26T08:00:00", "EndDate": "2026-11-26T09:00:00"}
    moved = await crm.patch(url, json=times, headers={"SO-TimeZone": "US-NY"})
    assert moved.json()["StartDate"] == "2026-11-26T08:00:00"
    assert (await start(None))[0] == "2026-11-26T14:00:00"

    unknown = await crm.get(url, headers={"SO-TimeZone": "Mars/Olympus"})
    assert unknown.status_code == 400
    assert "names no known time zone" in unknown.json()["ErrorMessage"]


async def test_saving_replaces_and_deleting_removes(crm: AsyncTestClient[Litestar]) -> None:
    await _signed_in(crm, "anna")
    created = await _create(crm)
    url = f"/Cust12345/api/v1/Appointment/{created['AppointmentId']}"

    moved = {**created, "StartDate": "2026-11-27T14:00:00+01:00", "EndDate": "2026-11-27T15:30:00+01:00"}
    saved = await crm.put(url, json=moved)
    assert saved.status_code == 200
    assert (await crm.get(url)).json()["EndDate"] == "2026-11-27T15:30:00"  # the base time zone (Norway)

    assert (await crm.delete(url)).status_code == 204
    gone = await crm.get(url)
    assert gone.status_code == 404
    assert gone.json()["ErrorType"] == "SoNotFoundException"


async def test_the_diary_lists_only_the_week_asked_for(crm: AsyncTestClient[Litestar]) -> None:
    await _signed_in(crm, "anna")
    await _create(crm)
    await _create(
        crm,
        {
            **APPOINTMENT,
            "Title": "Next month",
            "StartDate": "2026-12-28T10:00:00+01:00",
            "EndDate": "2026-12-28T11:00:00+01:00",
        },
    )

    week = await crm.get(
        "/webclient/diary", params={"start": "2026-11-23T00:00:00+01:00", "end": "2026-11-30T00:00:00+01:00"}
    )

    assert [entry["Title"] for entry in week.json()] == ["Quarterly review"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"EndDate": "2026-11-26T09:00:00+01:00"}, "EndDate must not be before StartDate."),
        ({"StartDate": "next tuesday"}, "StartDate is not a date-time"),
        ({"Location": "x" * 255}, "Location is too long: at most 254 characters."),
        ({"Task": {"Id": 99}}, "Task.Id must be one of"),
        ({"AlarmLeadTime": "soon"}, "AlarmLeadTime must be a duration"),
        ({"Participants": [{"EmailAddress": "not an address"}]}, "e-mail address is not valid"),
    ],
)
async def test_a_wrong_appointment_is_refused_with_what_to_fix(
    crm: AsyncTestClient[Litestar], change: dict[str, Any], message: str
) -> None:
    await _signed_in(crm, "anna")

    response = await crm.post("/Cust12345/api/v1/Appointment", json={**APPOINTMENT, **change})

    assert response.status_code == 400
    assert response.json()["Error"] is True
    assert response.json()["ErrorType"] == "SoArgumentException"
    assert message in response.json()["ErrorMessage"]
    week = await crm.get(
        "/webclient/diary", params={"start": "2026-11-23T00:00:00+01:00", "end": "2026-11-30T00:00:00+01:00"}
    )
    assert week.json() == []


async def test_a_form_post_or_broken_json_is_refused(crm: AsyncTestClient[Litestar]) -> None:
    await _signed_in(crm, "anna")

    form = await crm.post("/Cust12345/api/v1/Appointment", data={"Title": "x"})
    broken = await crm.post(
        "/Cust12345/api/v1/Appointment", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert form.status_code == 400
    assert "application/json" in form.json()["ErrorMessage"]
    assert broken.status_code == 400
    assert broken.json()["ErrorMessage"] == "The body is not valid JSON."


async def test_another_tenant_cannot_read_or_change_an_appointment(tmp_path: Path) -> None:
    app = _sandbox(tmp_path)
    async with AsyncTestClient(app=app) as anna, AsyncTestClient(app=app) as oscar:
        await _signed_in(anna, "anna")
        await _signed_in(oscar, "oscar")
        created = await _create(anna)
        url = f"/Cust12345/api/v1/Appointment/{created['AppointmentId']}"

        assert (await oscar.get(url)).status_code == 403
        assert (await oscar.delete(url)).status_code == 403
        own_context = await oscar.get(f"/Cust67890/api/v1/Appointment/{created['AppointmentId']}")
        assert own_context.status_code == 404
        assert (await anna.get(url)).status_code == 200


async def test_not_signed_in_the_webapi_answers_401(crm: AsyncTestClient[Litestar]) -> None:
    response = await crm.get("/Cust12345/api/v1/Appointment/1")

    assert response.status_code == 401
    assert response.json()["ErrorType"] == "SoUnauthorizedException"


async def test_appointments_outlive_a_restart(tmp_path: Path) -> None:
    async with AsyncTestClient(app=_sandbox(tmp_path)) as before:
        await _signed_in(before, "anna")
        created = await _create(before)

    async with AsyncTestClient(app=_sandbox(tmp_path)) as after:
        await _signed_in(after, "anna")
        response = await after.get(f"/Cust12345/api/v1/Appointment/{created['AppointmentId']}")

    assert response.status_code == 200
    assert response.json()["Title"] == "Quarterly review"


async def test_patch_takes_json_patch_with_test_and_merge_patch(crm: AsyncTestClient[Litestar]) -> None:
    await _signed_in(crm, "anna")
    created = await _create(crm)
    url = f"/Cust12345/api/v1/Appointment/{created['AppointmentId']}"

    patched = await crm.patch(url, json=[{"op": "replace", "path": "/joinvideomeeturl", "value": "https://x/j/1"}])
    merged = await crm.patch(url, json={"CentralserviceVideomeetId": "1"})
    failed_test = await crm.patch(url, json=[{"op": "test", "path": "/JoinVideomeetUrl", "value": "https://y"},
                                             {"op": "replace", "path": "/Title", "value": "changed"}])  # fmt: skip
    unknown = await crm.patch(url, json={"NoSuchField": 1})

    assert patched.status_code == 200 and patched.json()["JoinVideomeetUrl"] == "https://x/j/1"
    assert merged.json()["CentralserviceVideomeetId"] == "1"
    assert failed_test.status_code == 409 and failed_test.json()["ErrorType"] == "SoConflictException"
    assert unknown.status_code == 400
    kept = (await crm.get(url)).json()
    assert (kept["Title"], kept["Participants"][0]["EmailAddress"]) == ("Quarterly review", "kari@customer.example")
