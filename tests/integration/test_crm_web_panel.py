"""The product sets up its "Video meeting" web panel at the company's SuperOffice, and the administrator sees it
and can turn it off and on."""

from __future__ import annotations

import httpx

from backend.crm.web_panel_registry import PROG_ID
from backend.models import CrmGrant, CrmWebPanel
from backend.security import TokenCipher
from tests.support.live import LiveServers
from tests.support.providers import disconnect_company
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, page_text, sign_in
from tests.support.waiting import eventually
from tests.support.web_panels import wait_for_web_panel, web_panels
from tests.support.zoom import connect_company_zoom, set_up_company_zoom


def _ours(live: LiveServers) -> list[dict]:
    return [item for item in web_panels(live) if item["ProgId"] == PROG_ID]


def test_connecting_the_provider_puts_the_panel_into_the_follow_up_dialog(live: LiveServers) -> None:
    set_up_company_zoom(live)

    panel = wait_for_web_panel(live)

    assert panel["ProgId"] == PROG_ID and panel["Name"] == "Video meeting"
    assert (panel["VisibleIn"], panel["OnSalesMarketingWeb"], panel["Deleted"]) == ("ActivityDialog", True, False)
    assert panel["Url"] == f"{live.backend_url}/panel/followup?ctx=<uctx>&appointment=<baid>"
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
    assert "Video meeting tab: shown in the follow-up dialog" in page_text(page)
    assert [row.web_panel_id for row in rows(live.settings, CrmWebPanel)] == [panel["WebPanelId"]]


def test_disconnecting_takes_it_out_and_reconnecting_brings_the_same_one_back(live: LiveServers) -> None:
    set_up_company_zoom(live)
    first = wait_for_web_panel(live)

    disconnect_company(live)
    eventually(lambda: [item["Deleted"] for item in _ours(live)] == [True])
    assert rows(live.settings, CrmWebPanel) == []

    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        connect_company_zoom(admin, live, csrf_token(page))
    eventually(
        lambda: [(item["WebPanelId"], item["Deleted"]) for item in _ours(live)] == [(first["WebPanelId"], False)]
    )


def test_an_administrator_turns_the_tab_off_and_on(live: LiveServers) -> None:
    set_up_company_zoom(live)
    wait_for_web_panel(live)

    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        off = admin.post(f"{live.backend_url}/admin/video-meetings/web-panel",
                         data={"shown": "no", "_csrf_token": csrf_token(page)}, follow_redirects=True)  # fmt: skip
        assert "Video meeting tab: turned off" in page_text(off)
        assert [item["Deleted"] for item in _ours(live)] == [True]

        on = admin.post(f"{live.backend_url}/admin/video-meetings/web-panel",
                        data={"shown": "yes", "_csrf_token": csrf_token(off)}, follow_redirects=True)  # fmt: skip

    assert "Video meeting tab: shown in the follow-up dialog" in page_text(on)
    assert [item["Deleted"] for item in _ours(live)] == [False]


def test_a_refusal_by_superoffice_is_shown_with_what_to_do(live: LiveServers) -> None:
    set_up_company_zoom(live)
    wait_for_web_panel(live)

    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", "/admin/video-meetings")
        # SuperOffice no longer takes the sign-in we keep for the administrator (revoked there, say).
        cipher = TokenCipher.for_settings(live.settings)
        change_rows(live.settings, CrmGrant, {"access_token_encrypted": cipher.encrypt("revoked"),
                                              "refresh_token_encrypted": None})  # fmt: skip
        answer = admin.post(f"{live.backend_url}/admin/video-meetings/web-panel",
                            data={"shown": "no", "_csrf_token": csrf_token(page)}, follow_redirects=True)  # fmt: skip

    assert "Video meeting tab: not saved at SuperOffice" in page_text(answer)
    assert "sign in again as an administrator" in page_text(answer)
    assert [item["Deleted"] for item in _ours(live)] == [False]  # nothing changed there
