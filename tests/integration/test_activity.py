"""The audit trail: every connect, removal, disconnect and uninstall, on the Activity page and as CSV."""

from __future__ import annotations

import csv
import io

import httpx

from tests.integration.conftest import MakeUser
from tests.support.live import LiveServers
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.waiting import eventually
from tests.support.zoom import connect_company_zoom, set_up_company_zoom


def test_activity_lists_what_happened_newest_first_and_exports_csv(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        token = csrf_token(page)
        connect_company_zoom(admin, live, token, email="it@demo.example")
        anna = make_extension_user("anna", zoom_email="anna@demo.example")
        admin.post(f"{live.backend_url}/admin/video-meetings/users/remove",
                   data={"associate_id": "2", "confirmed": "yes", "_csrf_token": token})  # fmt: skip
        anna.browser.get(f"{live.backend_url}/connect")  # nothing: only shows how the journey starts
        activity = page_text(admin.get(f"{live.backend_url}/admin/video-meetings/activity"))
        exported = admin.get(f"{live.backend_url}/admin/video-meetings/activity/export.csv")

    lines = [
        "admin@demo.example (administrator) removed the Zoom configuration of associate 2",
        "anna@demo.example connected their Zoom account (anna@demo.example)",
        "admin@demo.example (administrator) saved the Zoom company setting",
        "admin@demo.example (administrator) connected Zoom as the company's provider (it@demo.example)",
    ]
    positions = [activity.index(line) for line in lines]
    assert positions == sorted(positions)  # newest first
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="video-meetings-activity-Cust12345.csv"' in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["action"] for row in table] == ["user.removed", "user.connected", "provider.setting_saved",
                                                "provider.connected"]  # fmt: skip
    assert table[0]["subject_associate_id"] == "2"


def test_an_uninstall_at_zoom_is_shown_and_setup_can_start_over(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        connect_company_zoom(admin, live, csrf_token(page), email="it@demo.example")

        httpx.post(f"{live.sandbox_url}/zoom/_sandbox/uninstall",
                   json={"client_id": live.settings.zoom_client_id, "email": "it@demo.example"})  # fmt: skip

        notice = eventually(lambda: page_text(admin.get(f"{live.backend_url}/admin/video-meetings")))
        assert "Zoom was uninstalled at Zoom's side on" in notice
        assert "Choose a provider below to set up video meetings again." in notice
        activity = page_text(admin.get(f"{live.backend_url}/admin/video-meetings/activity"))
        assert "Zoom app uninstalled at Zoom: the company's setup was removed" in activity


def test_only_the_companys_administrators_see_its_activity(live: LiveServers) -> None:
    set_up_company_zoom(live)
    with httpx.Client(timeout=20) as oscar:
        sign_in(oscar, live, "oscar")
        assert "Nothing has happened yet." in page_text(oscar.get(f"{live.backend_url}/admin/video-meetings/activity"))
    with httpx.Client(timeout=20) as anna:
        sign_in(anna, live, "anna")
        assert anna.get(f"{live.backend_url}/admin/video-meetings/activity").status_code == 403
        assert anna.get(f"{live.backend_url}/admin/video-meetings/activity/export.csv").status_code == 403
