"""The extension trusts no page: it acts only on registered CRM addresses, answers only its own content script there,
keeps its token and the meetings' links out of the page's reach, and acts only on a person's clicks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.support.browser import extension_browser, extension_id, extension_worker, options_page, update_extension
from tests.support.crm import open_new_appointment, sign_in
from tests.support.extension_api import connected_extension
from tests.support.extension_ui import PAGE, SIDE_PANEL, InFrame, Scope, extension_contexts, extension_ui
from tests.support.live import LiveServers
from tests.support.stub_server import StubServer, stub_server
from tests.support.waiting import eventually
from tests.support.zoom import held_meetings

pytestmark = pytest.mark.browser

# What a page script can reach: every element, the open shadow roots, attributes, field values and the page's text.
EVERYTHING_A_PAGE_SEES = """() => {
  const seen = [document.body.innerText, document.documentElement.outerHTML];
  const walk = (root) => {
    for (const element of root.querySelectorAll("*")) {
      for (const attribute of element.attributes) seen.push(attribute.value);
      if ("value" in element) seen.push(String(element.value));
      seen.push(element.textContent);
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(document);
  return seen.join("\\n");
}"""


def _ask_from_page_at(browser: BrowserContext, url_pattern: str, message: str) -> dict:
    """A content script of this extension in the tab at ``url_pattern`` sends ``message`` to the worker."""
    return extension_worker(browser).evaluate(
        f"""chrome.tabs.query({{url: {url_pattern!r}}})
          .then(([tab]) => chrome.scripting.executeScript({{
            target: {{tabId: tab.id}}, func: (message) => chrome.runtime.sendMessage(message), args: [{message}]}}))
          .then(([injected]) => injected.result)"""
    )


@pytest.fixture
def copy_of_the_crm(page: Page, live: LiveServers) -> Iterator[StubServer]:
    """The sandbox's diary page with its follow-up dialog, fetched and served from another address (another port of
    the same host), which nobody registered as a CRM address."""
    sign_in(page, live.sandbox_url, "anna")
    with stub_server() as copy:
        for path, kind in (
            ("/", "text/html"),
            ("/static/webclient.js", "text/javascript"),
            ("/static/crm.css", "text/css"),
        ):
            fetched = page.request.get(f"{live.sandbox_url}{path}")
            assert fetched.ok
            copy.pages[path] = (kind, fetched.body())
        yield copy


def test_a_copy_of_the_crm_page_on_an_unregistered_address_gets_no_extension(
    page: Page, browser: BrowserContext, live: LiveServers, copy_of_the_crm: StubServer
) -> None:
    open_new_appointment(page)
    extension_ui(page).get("button", "Add video meeting")  # the real CRM has it

    copy = browser.new_page()
    copy.goto(f"{copy_of_the_crm.url}/")
    open_new_appointment(copy)

    expect(copy.get_by_role("dialog").get_by_label("Meeting type")).to_be_visible()
    assert extension_contexts(copy, extension_id(browser)) == []  # no content script of ours runs there at all
    assert extension_ui(copy).count("button", "Add video meeting", within=PAGE) == 0


def test_the_worker_refuses_a_content_script_on_an_unregistered_address(
    page: Page, browser: BrowserContext, live: LiveServers, copy_of_the_crm: StubServer
) -> None:
    connected_extension(browser, live)
    copy = browser.new_page()
    copy.goto(f"{copy_of_the_crm.url}/")
    question = "{type: 'meeting.forAppointments', appointmentIds: [1]}"

    from_copy = _ask_from_page_at(browser, f"{copy_of_the_crm.url}/*", question)
    from_crm = _ask_from_page_at(browser, f"{live.sandbox_url}/*", question)

    assert from_copy == {
        "ok": False,
        "error": {"code": "refused", "message": "Refused: not from a registered CRM address."},
    }
    assert from_crm == {"ok": True, "result": []}
    malformed = _ask_from_page_at(browser, f"{live.sandbox_url}/*", "{type: 'meeting.remove', id: '../settings'}")
    assert malformed["error"]["code"] == "refused"

    # An address removed in the options is refused from then on, even to the content script still in its tab.
    options = options_page(browser)
    options.get_by_role("button", name=f"Remove {live.sandbox_url}").click()
    expect(options.locator("#crm-status")).to_contain_text("Removed.")
    assert _ask_from_page_at(browser, f"{live.sandbox_url}/*", question)["error"]["code"] == "refused"


def test_content_scripts_cannot_read_the_extensions_token(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    connected_extension(browser, live)
    sign_in(page, live.sandbox_url, "anna")

    read_storage = "() => chrome.storage.local.get(null).then(JSON.stringify, (e) => `refused: ${e.message}`)"
    read = extension_worker(browser).evaluate(
        f"""chrome.tabs.query({{url: '{live.sandbox_url}/*'}})
          .then(([tab]) => chrome.scripting.executeScript({{target: {{tabId: tab.id}}, func: {read_storage}}}))
          .then(([injected]) => injected.result)"""
    )

    assert read.startswith("refused:"), read
    assert "token" in extension_worker(browser).evaluate("chrome.storage.local.get('connection')")["connection"]


def _saved_appointment_with_meeting(
    page: Page, browser: BrowserContext, live: LiveServers, *, open_it: bool = True
) -> dict:
    """Anna's saved follow-up "Board meeting" in Room 4 and a Zoom meeting attached to it through the service (so
    the page's own fields hold no link), shown in the dialog and the side panel (unless not ``open_it``)."""
    auth = connected_extension(browser, live)
    sign_in(page, live.sandbox_url, "anna")
    dialog = open_new_appointment(page)
    dialog.get_by_label("Title").fill("Board meeting")
    dialog.get_by_label("Location").fill("Room 4")
    dialog.get_by_role("button", name="Save", exact=True).click()
    entry = page.get_by_role("button", name="Board meeting")
    appointment_id = int(entry.get_attribute("data-appointment-id") or 0)
    start = page.evaluate("new Date(Date.now() + 86400000).toISOString()")
    meeting = httpx.post(f"{live.backend_url}/api/meetings", headers=auth, json={
        "topic": "Board meeting", "start": start, "duration_minutes": 60, "idempotency_key": "b1",
        "appointment_id": appointment_id}).json()  # fmt: skip
    page.reload()
    if not open_it:
        return meeting
    page.get_by_role("button", name="Board meeting").click()
    ui = extension_ui(page)
    ui.get("button", "Remove video meeting", pressed="true", timeout=15)
    ui.get("button", "Join meeting", within=SIDE_PANEL, timeout=15)
    return meeting


def test_a_page_script_cannot_read_a_join_link_out_of_the_extension(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    meeting = _saved_appointment_with_meeting(page, browser, live)
    assert extension_ui(page).get("link").attribute("href") == meeting["join_url"]  # shown to the person

    seen = page.evaluate(EVERYTHING_A_PAGE_SEES)

    assert "Room 4" in seen and "Board meeting" in seen  # the walk does reach the dialog
    assert meeting["join_url"] not in seen
    assert meeting["join_url"].split("?")[0] not in seen


def test_a_page_script_cannot_remove_join_or_copy_with_synthetic_clicks(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    meeting = _saved_appointment_with_meeting(page, browser, live)
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.sandbox_url)
    page.evaluate("navigator.clipboard.writeText('what the person copied')")
    pages_before = len(browser.pages)
    ui = extension_ui(page)

    for control in [
        ui.get("button", "Remove video meeting"),
        ui.get("button", "Join meeting"),
        ui.get("button", "Copy meeting link"),
        ui.get("link"),
        ui.get("button", "Join meeting", within=SIDE_PANEL),
    ]:
        control.click_from_page_script()  # as a script holding the element (it cannot even reach it) would
    page.wait_for_timeout(1000)  # nothing to wait for: what is checked is that nothing happens

    [held] = held_meetings(live)  # still at Zoom, and still ours
    assert f"/zoom/j/{held['id']}" in meeting["join_url"]
    ui.get("button", "Remove video meeting", pressed="true")
    assert len(browser.pages) == pages_before
    assert page.evaluate("navigator.clipboard.readText()") == "what the person copied"
    ui.get("button", "Copy meeting link").click()  # a person's click still works
    ui.get("status", containing="Copied")
    assert page.evaluate("navigator.clipboard.readText()") == meeting["join_url"]


@pytest.mark.parametrize("name", ["Video meeting", "Videomøte"])
def test_the_dialog_steps_aside_for_superoffices_own_video_meeting_icon(
    page: Page, live: LiveServers, name: str
) -> None:
    sign_in(page, live.sandbox_url, "anna")
    # SuperOffice's own icon (its markup is UNCONFIRMED: an element named "Video meeting", or in the user's language),
    # drawn into each follow-up dialog as the CRM draws it.
    page.evaluate(
        """(name) => new MutationObserver(() => {
          const row = document.querySelector("[data-so-task-row]");
          if (!row || row.querySelector("[data-own-video]")) return;
          const icon = Object.assign(document.createElement("button"), { type: "button" });
          icon.setAttribute("aria-label", name);
          icon.dataset.ownVideo = "";
          row.append(icon);
        }).observe(document.body, { childList: true, subtree: true })""",
        name,
    )

    open_new_appointment(page)

    ui = extension_ui(page)
    ui.get("note", containing="already has SuperOffice's own video meeting button")
    assert ui.count("button", "Add video meeting") == 0
    assert ui.count("button", name) == 1  # SuperOffice's, not a second one of ours


def test_a_re_rendered_dialog_keeps_its_meeting_and_cannot_make_a_second(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    connected_extension(browser, live)
    sign_in(page, live.sandbox_url, "anna")
    open_new_appointment(page).get_by_label("Title").fill("Kick-off")
    ui = extension_ui(page)
    ui.get("button", "Add video meeting").click()
    join_url = ui.get("button", "Remove video meeting", timeout=20) and ui.get("link").attribute("href")

    # The CRM draws the dialog again (a copy of the element, ours included, as a cloning re-render would).
    page.evaluate("""() => { const dialog = document.querySelector("[role=dialog]");
                             dialog.replaceWith(dialog.cloneNode(true)); }""")

    toggle = ui.get("button", "Remove video meeting", pressed="true")
    assert ui.get("link").attribute("href") == join_url
    assert len(held_meetings(live)) == 1
    toggle.click()
    ui.get("button", "Add video meeting", pressed="false")
    assert held_meetings(live) == []


def test_diary_marks_come_when_the_extension_connects_after_the_diary_was_drawn(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    meeting = _saved_appointment_with_meeting(page, browser, live)
    worker = extension_worker(browser)
    connection = worker.evaluate("chrome.storage.local.get('connection')")["connection"]
    worker.evaluate("chrome.storage.local.remove('connection')")
    page.reload()  # the diary is drawn while this browser is not connected: no marks
    entry = Scope("button", "Board meeting")
    expect(page.get_by_role("button", name="Board meeting")).to_be_visible()
    assert "Video meeting" not in extension_ui(page).name_of(entry)

    worker.evaluate(f"chrome.storage.local.set({{connection: {connection!r}}})")  # the connect window's hand-over

    eventually(lambda: "Video meeting" in extension_ui(page).name_of(entry), timeout=10)
    assert meeting["appointment_id"] == int(
        page.get_by_role("button", name="Board meeting").get_attribute("data-appointment-id") or 0
    )


@pytest.fixture
def updatable_browser(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    with extension_browser(playwright, tmp_path / "profile", updatable=True) as context:
        yield context


def test_after_an_update_the_open_crm_tab_gets_the_new_extension_and_the_old_one_stands_down(
    playwright: Playwright, updatable_browser: BrowserContext, live: LiveServers, tmp_path: Path
) -> None:
    browser = updatable_browser
    connected_extension(browser, live)
    page = browser.new_page()
    sign_in(page, live.sandbox_url, "anna")
    open_new_appointment(page).get_by_label("Title").fill("Typed before the update")
    ui = extension_ui(page)
    before = ui.get("button", "Add video meeting").backend_node_id

    update_extension(playwright, tmp_path / "profile")

    # One toggle, the new version's (the orphaned one removed its own), and it works without reloading the page.
    eventually(lambda: [c for c in ui.all("button", "Add video meeting") if c.backend_node_id != before], timeout=15)
    toggle = ui.get("button", "Add video meeting")
    expect(page.get_by_role("dialog").get_by_label("Title")).to_have_value("Typed before the update")
    toggle.click()
    ui.get("button", "Remove video meeting", pressed="true", timeout=20)
    assert len(held_meetings(live)) == 1


# The dialog as SuperOffice's web client shows it (UNCONFIRMED markup): no appointment id on the dialog element, the
# follow-up named in the page's SoProtocol address instead, as the sandbox is to do too.
DIALOG_WITHOUT_ID = """(address) => {
  history.replaceState(null, "", address);
  new MutationObserver(() => document.querySelector("[role=dialog][data-appointment-id]")
    ?.removeAttribute("data-appointment-id"))
    .observe(document.body, { childList: true, subtree: true, attributes: true });
}"""


def test_the_follow_up_is_found_from_the_soprotocol_address_when_the_markup_has_no_id(
    page: Page, browser: BrowserContext, live: LiveServers
) -> None:
    meeting = _saved_appointment_with_meeting(page, browser, live, open_it=False)
    page.evaluate(DIALOG_WITHOUT_ID, f"/?appointment.main?appointment_id={meeting['appointment_id']}")

    page.get_by_role("button", name="Board meeting").click()

    ui = extension_ui(page)
    ui.get("button", "Remove video meeting", pressed="true", timeout=15)
    assert ui.get("link").attribute("href") == meeting["join_url"]
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    page.evaluate(
        "(address) => history.replaceState(null, '', address)", "/?appointment.main[new=true]?appointment_id=0"
    )
    open_new_appointment(page)
    assert page.get_by_role("dialog").get_attribute("data-appointment-id") is None
    ui.get("button", "Add video meeting", pressed="false")


def test_a_follow_up_dialog_in_a_frame_of_the_crm_gets_its_controls(page: Page, live: LiveServers) -> None:
    sign_in(page, live.sandbox_url, "anna")
    page.evaluate("""() => document.body.append(Object.assign(document.createElement("iframe"),
                        { src: "/", title: "CRM frame", style: "width: 1000px; height: 900px" }))""")
    frame = page.frame_locator("iframe[title='CRM frame']")

    frame.get_by_role("button", name="New appointment").click()

    expect(frame.get_by_role("dialog").get_by_label("Meeting type")).to_be_visible()
    toggle = extension_ui(page).get("button", "Add video meeting", within=InFrame("CRM frame"))
    assert toggle.pressed == "false"
