"""SuperOffice's web panel list (``/api/v1/List/WebPanel/Items``) as documented, and our client against it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from backend.crm.web_panel_registry import PROG_ID, delete_web_panel, save_web_panel
from tests.contracts.shapes import differences, sample
from tests.support.live import LiveServers
from tests.support.stub_server import stub_server

WEB_PANEL = sample("superoffice/web_panel_entity")


@contextmanager
def _signed_in(live: LiveServers, username: str) -> Iterator[httpx.Client]:
    """Signed in to the emulated CRM (the web client's cookie), at the web panel list."""
    with httpx.Client(base_url=f"{live.sandbox_url}/Cust12345/api/v1/List/WebPanel/Items", timeout=20) as client:
        client.post(f"{live.sandbox_url}/login", data={"username": username, "password": username})
        yield client


@pytest.fixture
def crm(live: LiveServers) -> Iterator[httpx.Client]:
    with _signed_in(live, "admin") as client:
        yield client


def test_the_emulator_takes_the_documented_request_and_answers_the_documented_fields(crm: httpx.Client) -> None:
    created = crm.post("", json=WEB_PANEL["request"])

    assert created.status_code == 200, created.text
    assert differences(WEB_PANEL["response"], created.json()) == []
    listed = crm.get("").json()
    assert [item["ProgId"] for item in listed] == ["beatae"]


def test_delete_only_marks_the_item_deleted(crm: httpx.Client) -> None:
    item = crm.post("", json=WEB_PANEL["request"]).json()

    deleted = crm.delete(f"/{item['WebPanelId']}")

    assert deleted.status_code == 204
    assert [(i["WebPanelId"], i["Deleted"]) for i in crm.get("").json()] == [(item["WebPanelId"], True)]


def test_the_emulator_refuses_what_superoffice_would(crm: httpx.Client, live: LiveServers) -> None:
    unknown_place = crm.post("", json={**WEB_PANEL["request"], "VisibleIn": "FollowUpDialog"})
    plain_http = crm.post("", json={**WEB_PANEL["request"], "Url": "http://meetings.example.com/panel"})
    with _signed_in(live, "anna") as user:
        not_admin = user.post("", json=WEB_PANEL["request"])
        read_by_user = user.get("")

    assert unknown_place.status_code == 400 and "VisibleIn must be one of" in unknown_place.json()["ErrorMessage"]
    assert plain_http.status_code == 400
    assert not_admin.status_code == 403 and read_by_user.status_code == 200


def test_our_client_finds_its_panel_by_prog_id_and_saves_it_again_instead_of_adding_one() -> None:
    listed = [
        {**WEB_PANEL["response"], "WebPanelId": 5, "ProgId": "someone-else"},
        {**WEB_PANEL["response"], "WebPanelId": 9, "ProgId": PROG_ID, "Deleted": True},
    ]
    answers = [listed, {**WEB_PANEL["response"], "WebPanelId": 9, "ProgId": PROG_ID}]
    with stub_server(*answers) as superoffice:

        async def save() -> object:
            async with httpx.AsyncClient() as http:
                return await save_web_panel(http, f"{superoffice.url}/Cust1/api", "token-1", url="https://m/p")

        saved = asyncio.run(save())

    assert saved.web_panel_id == 9  # type: ignore[attr-defined]
    listing, put = superoffice.received
    assert (listing.method, listing.path) == ("GET", "/Cust1/api/v1/List/WebPanel/Items")
    assert (put.method, put.path) == ("PUT", "/Cust1/api/v1/List/WebPanel/Items/9")
    assert put.json()["ProgId"] == PROG_ID and put.json()["Deleted"] is False
    assert put.json()["VisibleIn"] == "ActivityDialog" and put.json()["OnSalesMarketingWeb"] is True


def test_our_client_leaves_an_already_deleted_panel_alone() -> None:
    with stub_server([{**WEB_PANEL["response"], "ProgId": PROG_ID, "Deleted": True}]) as superoffice:

        async def remove() -> None:
            async with httpx.AsyncClient() as http:
                await delete_web_panel(http, f"{superoffice.url}/Cust1/api", "token-1")

        asyncio.run(remove())

    assert [request.method for request in superoffice.received] == ["GET"]
