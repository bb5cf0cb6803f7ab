"""SuperOffice's REST WebAPI as documented: appointments, dates under SO-TimeZone, and webhook registration."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from backend.crm.appointments import read_appointment
from backend.crm.webapi_dates import webapi_date
from backend.crm.webhooks import verify_signature
from tests.contracts.shapes import differences, sample
from tests.support.live import LiveServers
from tests.support.stub_server import stub_server

APPOINTMENT = sample("superoffice/appointment_entity")
TIME_ZONES = sample("superoffice/so_timezone")
WEBHOOK = sample("superoffice/webhook_entity")
TEST_EVENT = sample("superoffice/test_event")


@pytest.fixture
def crm(live: LiveServers) -> Iterator[httpx.Client]:
    """Signed in to the emulated CRM as its administrator (the web client's cookie)."""
    with httpx.Client(base_url=f"{live.sandbox_url}/Cust12345/api/v1", timeout=20) as client:
        client.post(f"{live.sandbox_url}/login", data={"username": "admin", "password": "admin"})
        yield client


def test_our_client_reads_the_documented_appointment() -> None:
    with stub_server(APPOINTMENT["body"]) as superoffice:

        async def read() -> object:
            async with httpx.AsyncClient() as http:
                return await read_appointment(http, f"{superoffice.url}/Cust1/api/", "token-1", 510)

        appointment = asyncio.run(read())

    assert appointment.title == "officia"  # type: ignore[attr-defined]
    assert appointment.start == datetime(1999, 10, 7, 12, 28, 26, 664582, tzinfo=UTC)  # type: ignore[attr-defined]
    assert appointment.participants[0].email == "margarete.renner@shields.name"  # type: ignore[attr-defined]
    (request,) = superoffice.received
    assert request.path == "/Cust1/api/v1/Appointment/510"
    assert request.headers["authorization"] == "Bearer token-1"
    assert request.headers["so-timezone"] == "UTC, includeTZOffset"


def test_the_emulator_answers_an_appointment_with_the_documented_fields(crm: httpx.Client) -> None:
    body = {"Title": "Review", "StartDate": "2026-12-24T10:00:00", "EndDate": "2026-12-24T11:00:00",
            "Participants": [{"EmailAddress": "kari@customer.example", "SendEmail": True}]}  # fmt: skip
    created = crm.post("/Appointment", json=body).json()

    answer = crm.get(f"/Appointment/{created['AppointmentId']}").json()

    assert differences(APPOINTMENT["body"], answer, APPOINTMENT["we_use"]) == []
    documented_participant = APPOINTMENT["body"]["Participants"][0]
    assert (
        differences(documented_participant, answer["Participants"][0], ["AssociateId", "EmailAddress", "SendEmail"])
        == []
    )


@pytest.mark.parametrize("answer", TIME_ZONES["answers"], ids=lambda answer: str(answer["header"]))
def test_dates_come_as_the_so_timezone_header_asks(crm: httpx.Client, answer: dict[str, str]) -> None:
    stored = crm.post("/Appointment", json={"Title": "Christmas call", "StartDate": TIME_ZONES["stored_utc"],
                                            "EndDate": TIME_ZONES["stored_utc"]}).json()  # fmt: skip
    headers = {"SO-TimeZone": answer["header"]} if answer["header"] else {}

    start = crm.get(f"/Appointment/{stored['AppointmentId']}", headers=headers).json()["StartDate"]

    assert start == answer["value"]


def test_our_client_reads_both_documented_date_forms() -> None:
    utc = datetime(2018, 12, 24, 12, 34, 45, tzinfo=UTC)

    assert webapi_date("2018-12-24T07:34:45-0500") == utc
    assert webapi_date("2018-12-24T12:34:45") == utc  # the UTC we ask for, written without an offset
    assert webapi_date("2025-05-14T16:04:09.1213772+02:00") == datetime(2025, 5, 14, 14, 4, 9, 121377, tzinfo=UTC)
    assert webapi_date("0001-01-01T00:00:00") is None  # SuperOffice's empty date


def test_registering_a_webhook_answers_the_documented_entity_after_a_test_post(crm: httpx.Client) -> None:
    with stub_server() as target:
        registered = crm.post("/Webhook", json={
            "Name": "Contract test", "Events": ["activity.created"], "TargetUrl": target.url,
            "Secret": "Something Super Secret", "State": "Active", "Type": "webhook",
        })  # fmt: skip

    assert registered.status_code == 200, registered.text
    assert sorted(registered.json()) == sorted(WEBHOOK["body"])
    assert differences(WEBHOOK["body"], registered.json()) == []
    (test_post,) = target.received
    assert sorted(test_post.json()) == sorted(TEST_EVENT["body"])
    assert differences(TEST_EVENT["body"], test_post.json()) == []
    assert {name.lower() for name in TEST_EVENT["headers"]} <= set(test_post.headers)
    assert test_post.headers["x-superoffice-eventid"] != test_post.json()["EventId"]  # as odd as the sample
    verify_signature(test_post.headers, test_post.body, "Something Super Secret")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TargetUrl": "http://meetings.example/webhooks"}, "must be an HTTPS address"),
        ({"Events": []}, "Events must be a list"),
        ({"Secret": ""}, "Secret is required"),
        ({"State": "Sleeping"}, "State must be one of"),
    ],
)
def test_the_emulator_refuses_a_webhook_superoffice_would_refuse(
    crm: httpx.Client, change: dict[str, object], message: str
) -> None:
    body = {"Name": "x", "Events": ["activity.created"], "TargetUrl": "https://meetings.example/x", "Secret": "s",
            "State": "Active", "Type": "webhook", **change}  # fmt: skip

    refused = crm.post("/Webhook", json=body)

    assert refused.status_code == 400
    assert message in refused.json()["ErrorMessage"]


def test_a_target_that_does_not_answer_200_is_refused(crm: httpx.Client) -> None:
    body = {"Name": "x", "Events": ["activity.created"], "TargetUrl": "http://127.0.0.1:9/nothing-listens",
            "Secret": "s", "State": "Active", "Type": "webhook"}  # fmt: skip

    refused = crm.post("/Webhook", json=body)

    assert refused.status_code == 400
    assert "did not answer the test POST with 200 OK" in refused.json()["ErrorMessage"]


def test_only_administrators_manage_webhooks(live: LiveServers) -> None:
    with httpx.Client(base_url=f"{live.sandbox_url}/Cust12345/api/v1", timeout=20) as anna:
        anna.post(f"{live.sandbox_url}/login", data={"username": "anna", "password": "anna"})
        assert anna.get("/Webhook").status_code == 403
