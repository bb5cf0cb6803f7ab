"""The video meeting web panel over HTTP: who may frame it, its sign-in, and what it writes into the follow-up."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.models import Meeting, Tenant
from tests.integration.conftest import MakeUser
from tests.support.live import LiveServers
from tests.support.panel import code_in, panel_client, sign_in_window, verifier_and_challenge
from tests.support.rows import change_rows, rows
from tests.support.signin import page_text
from tests.support.zoom import held_meetings, set_up_company_zoom

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def _follow_up(browser: httpx.Client, live: LiveServers, title: str, **fields: Any) -> dict[str, Any]:
    body = {"Title": title, "StartDate": START.isoformat(), "EndDate": (START + timedelta(minutes=45)).isoformat(),
            "HasAlarm": True, "AlarmLeadTime": "PT10M", **fields}  # fmt: skip
    saved = browser.post(f"{live.sandbox_url}/Cust12345/api/v1/Appointment", json=body)
    assert saved.status_code == 200, saved.text
    return saved.json()


def _read(browser: httpx.Client, live: LiveServers, appointment_id: int) -> dict[str, Any]:
    answer = browser.get(f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment_id}",
                         headers={"SO-TimeZone": "UTC, includeTZOffset"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def _add(panel: httpx.Client, appointment_id: int, key: str = "click-1") -> httpx.Response:
    return panel.post(f"/{appointment_id}/meeting", data={"key": key, "timezone": "Europe/Oslo"})


def _frame_ancestors(response: httpx.Response) -> list[str]:
    policy = response.headers["content-security-policy"]
    match = re.search(r"frame-ancestors ([^;]+)", policy)
    assert match, policy
    return match.group(1).split()


def test_only_the_company_crm_may_show_the_panel_in_a_frame(live: LiveServers) -> None:
    set_up_company_zoom(live)
    port = live.settings.sandbox_port

    page = httpx.get(f"{live.backend_url}/panel/followup", params={"ctx": "Cust12345", "appointment": "7"})

    assert page.status_code == 200
    assert set(_frame_ancestors(page)) == {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
    assert "x-frame-options" not in page.headers
    admin_page = httpx.get(f"{live.backend_url}/auth/login")
    assert _frame_ancestors(admin_page) == ["'none'"] and admin_page.headers["x-frame-options"] == "DENY"


def test_a_tenant_own_superoffice_host_and_configured_addresses_may_frame_it(live: LiveServers) -> None:
    set_up_company_zoom(live)
    change_rows(live.settings, Tenant, {"webapi_url": "https://online3.superoffice.com/Cust12345/api"})

    framed = httpx.get(f"{live.backend_url}/panel/followup", params={"ctx": "Cust12345", "appointment": "7"})
    unknown = httpx.get(f"{live.backend_url}/panel/followup", params={"ctx": "Cust99999", "appointment": "7"})

    assert "https://online3.superoffice.com" in _frame_ancestors(framed)
    assert "https://online3.superoffice.com" not in _frame_ancestors(unknown)
    assert "*" not in " ".join(_frame_ancestors(framed) + _frame_ancestors(unknown))


def test_a_new_follow_up_is_asked_to_be_saved_first_and_a_wrong_address_is_explained(live: LiveServers) -> None:
    new = httpx.get(f"{live.backend_url}/panel/followup", params={"ctx": "Cust12345", "appointment": "0"})
    wrong = httpx.get(f"{live.backend_url}/panel/followup", params={"ctx": "Cust12345", "appointment": "<baid>"})

    assert "Save the follow-up first, then add its video meeting here." in page_text(new)
    assert wrong.status_code == 200 and "its address names no follow-up" in page_text(wrong)


def test_an_address_with_a_digit_that_is_no_number_names_no_follow_up(live: LiveServers) -> None:
    answer = httpx.get(f"{live.backend_url}/panel/followup", params={"ctx": "Cust12345", "appointment": "\u00b2"})

    assert answer.status_code == 200 and "its address names no follow-up" in page_text(answer)  # int("²") 500'd


def test_a_sign_in_code_works_only_with_the_frame_verifier_and_only_for_the_panel(live: LiveServers) -> None:
    set_up_company_zoom(live)
    verifier, challenge = verifier_and_challenge()
    with httpx.Client(timeout=20) as window:
        code = code_in(sign_in_window(window, live, "anna", challenge, "Cust12345"))
    session = f"{live.backend_url}/panel/session"

    stolen = httpx.post(session, json={"code": code, "verifier": verifier_and_challenge()[0]})
    garbage = httpx.post(session, json={"code": "nonsense", "verifier": verifier})
    missing = httpx.post(session, json={"code": code})
    redeemed = httpx.post(session, json={"code": code, "verifier": verifier})

    assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")
    assert garbage.status_code == 400 and missing.status_code == 400
    assert redeemed.status_code == 200
    token = redeemed.json()["token"]
    as_extension = httpx.get(f"{live.backend_url}/api/meetings/upcoming", headers={"Authorization": f"Bearer {token}"})
    assert as_extension.status_code == 401  # a panel session is not an extension token
    code_as_session = httpx.get(f"{live.backend_url}/panel/followup/1/meeting",
                                headers={"Authorization": f"Bearer {code}"})  # fmt: skip
    assert code_as_session.status_code == 401


def test_the_sign_in_window_refuses_another_company_and_a_missing_challenge(live: LiveServers) -> None:
    set_up_company_zoom(live)
    _, challenge = verifier_and_challenge()
    with httpx.Client(timeout=20) as window:
        other = sign_in_window(window, live, "anna", challenge, "Cust67890")
    with httpx.Client(timeout=20) as window:
        no_challenge = sign_in_window(window, live, "anna", "short", "Cust12345")

    assert other.status_code == 409 and "not of Cust67890" in page_text(other)
    assert "data-panel-code" not in other.text
    assert no_challenge.status_code == 409 and "data-panel-code" not in no_challenge.text


def test_without_a_session_the_panel_asks_to_sign_in(live: LiveServers) -> None:
    answer = httpx.get(f"{live.backend_url}/panel/followup/1/meeting", headers={"HX-Request": "true"})

    assert answer.status_code == 401
    assert "Sign in again" in page_text(answer) and "data-panel-sign-in" in answer.text


def test_adding_keeps_a_typed_location_puts_the_line_in_the_text_and_makes_one_meeting(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    follow_up = _follow_up(anna.browser, live, "Site visit", Location="Room 4", Description="Bring the plans")
    panel = panel_client(live, "anna")

    first = _add(panel, follow_up["AppointmentId"], "click-1")
    second = _add(panel, follow_up["AppointmentId"], "click-2")  # another click, in another rendering

    assert first.status_code == 200 and second.status_code == 200, first.text
    [meeting] = [m for m in rows(live.settings, Meeting) if m.appointment_id == follow_up["AppointmentId"]]
    assert len(held_meetings(live)) == 1
    assert (meeting.topic, meeting.duration_minutes, meeting.timezone) == ("Site visit", 45, "Europe/Oslo")
    assert meeting.alarm_at == meeting.start_at - timedelta(minutes=10)
    now = _read(anna.browser, live, follow_up["AppointmentId"])
    assert now["Location"] == "Room 4"
    assert now["Description"] == f"Bring the plans\n\nJoin meeting: {meeting.join_url}"
    assert (now["JoinVideomeetUrl"], now["CentralserviceVideomeetId"]) == (meeting.join_url, str(meeting.id))
    assert "data-crm-refresh" in first.text and "Remove video meeting" in page_text(first)


def test_in_template_mode_the_link_goes_to_location_only(live: LiveServers, make_extension_user: MakeUser) -> None:
    set_up_company_zoom(live)
    change_rows(live.settings, Tenant, {"invitation_mode": "template"})
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    follow_up = _follow_up(anna.browser, live, "Demo", Description="Agenda")

    assert _add(panel_client(live, "anna"), follow_up["AppointmentId"]).status_code == 200

    [meeting] = rows(live.settings, Meeting)
    now = _read(anna.browser, live, follow_up["AppointmentId"])
    assert (now["Location"], now["Description"]) == (meeting.join_url, "Agenda")


def test_removing_takes_out_only_what_was_added(live: LiveServers, make_extension_user: MakeUser) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    follow_up = _follow_up(anna.browser, live, "Weekly", Description="Notes")
    panel = panel_client(live, "anna")
    _add(panel, follow_up["AppointmentId"])
    [meeting] = rows(live.settings, Meeting)
    # Someone edits the saved follow-up's text meanwhile, below our line.
    written = _read(anna.browser, live, follow_up["AppointmentId"])
    edited = f"{written['Description']}\nPS: coffee"
    patched = anna.browser.patch(f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{follow_up['AppointmentId']}",
                                 json={"Description": edited})  # fmt: skip
    assert patched.status_code == 200, patched.text

    removed = panel.post(f"/{follow_up['AppointmentId']}/meeting/{meeting.id}/remove")

    assert removed.status_code == 200 and "Add video meeting" in page_text(removed)
    assert held_meetings(live) == []
    now = _read(anna.browser, live, follow_up["AppointmentId"])
    assert (now["Location"], now["JoinVideomeetUrl"], now["CentralserviceVideomeetId"]) == ("", "", "")
    assert now["Description"] == "Notes\n\nPS: coffee"  # our line out, the edit kept


def test_a_deleted_follow_up_and_another_users_meeting_are_explained(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    follow_up = _follow_up(anna.browser, live, "Shared")
    _add(panel_client(live, "anna"), follow_up["AppointmentId"])
    [meeting] = rows(live.settings, Meeting)
    bjorn = panel_client(live, "bjorn")

    seen = bjorn.get(f"/{follow_up['AppointmentId']}/meeting")
    refused = bjorn.post(f"/{follow_up['AppointmentId']}/meeting/{meeting.id}/remove")
    gone = bjorn.get("/999999/meeting")

    assert seen.status_code == 200 and "added by someone else" in page_text(seen)
    assert "Remove video meeting" not in page_text(seen) and "Join meeting" in page_text(seen)
    assert refused.status_code == 404 and len(held_meetings(live)) == 1
    assert gone.status_code == 404 and "no longer exists" in page_text(gone)


def test_a_join_link_that_is_not_a_web_address_never_reaches_the_page(
    live: LiveServers, make_extension_user: MakeUser
) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    follow_up = _follow_up(anna.browser, live, "Odd link")
    panel = panel_client(live, "anna")
    _add(panel, follow_up["AppointmentId"])
    change_rows(live.settings, Meeting, {"join_url": "javascript:alert(document.domain)"})

    shown = panel.get(f"/{follow_up['AppointmentId']}/meeting")

    assert shown.status_code == 200 and "javascript:" not in shown.text
    assert "Remove video meeting" in page_text(shown)


@pytest.mark.parametrize("form", [{"timezone": "Europe/Oslo"}, {"key": "click\x00", "timezone": "Europe/Oslo"}])
def test_a_form_without_its_key_is_refused_with_what_to_do(live: LiveServers, form: dict[str, str]) -> None:
    set_up_company_zoom(live)

    answer = panel_client(live, "anna").post("/1/meeting", data=form)  # a NUL in the key 500'd on PostgreSQL

    assert answer.status_code == 400 and "Reload the panel and try again." in page_text(answer)
    assert held_meetings(live) == []


def test_a_follow_up_id_superoffice_cannot_have_is_refused_without_asking_superoffice(live: LiveServers) -> None:
    set_up_company_zoom(live)
    panel = panel_client(live, "anna")

    shown = panel.get(f"/{2**63}/meeting")  # was a 502: SuperOffice's WebAPI fails on such an id
    added = panel.post(f"/{2**63}/meeting", data={"key": "click-1", "timezone": "Europe/Oslo"})

    assert shown.status_code == added.status_code == 400
    assert "Reload the panel and try again." in page_text(shown) and "Reload the panel" in page_text(added)
    assert held_meetings(live) == []
