"""The Microsoft emulator keeps the identity platform's and Graph's contract (consent, tokens, online meetings,
errors, throttling), over real HTTP as our Teams adapter meets it."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.support.live import LiveServers
from tests.support.microsoft import arm, consent, expire_access_tokens, held_meetings, revoke

SCOPES = "OnlineMeetings.ReadWrite User.Read offline_access"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
MEETING = {
    "startDateTime": "2026-12-01T10:00:00+01:00",
    "endDateTime": "2026-12-01T10:45:00+01:00",
    "subject": "Kick-off",
    "lobbyBypassSettings": {"scope": "invited", "isDialInBypassEnabled": False},
}


def _authorization_url(live: LiveServers, scope: str = SCOPES, **extra: str) -> str:
    params = {"client_id": live.settings.teams_client_id, "response_type": "code", "scope": scope, "state": "st",
              "redirect_uri": live.settings.connect_callback_url("teams"), "code_challenge": CHALLENGE,
              "code_challenge_method": "S256", **extra}  # fmt: skip
    return f"{live.settings.teams_login_url}/organizations/oauth2/v2.0/authorize?{urlencode(params)}"


def _token(live: LiveServers, **form: str) -> httpx.Response:
    secret = live.settings.teams_client_secret
    assert secret is not None
    credentials = {"client_id": live.settings.teams_client_id, "client_secret": secret.get_secret_value()}
    return httpx.post(f"{live.settings.teams_login_url}/organizations/oauth2/v2.0/token", data={**credentials, **form})


def _code(live: LiveServers, email: str = "anna@demo.example", scope: str = SCOPES) -> str:
    back = consent(live, _authorization_url(live, scope), email)
    assert str(back).startswith(live.settings.connect_callback_url("teams") + "?")
    assert back.params["state"] == "st"
    return back.params["code"]


def _redeem(live: LiveServers, code: str, verifier: str = VERIFIER) -> httpx.Response:
    return _token(live, grant_type="authorization_code", code=code, code_verifier=verifier,
                  redirect_uri=live.settings.connect_callback_url("teams"))  # fmt: skip


def _tokens(live: LiveServers, email: str = "anna@demo.example", scope: str = SCOPES) -> dict[str, Any]:
    answer = _redeem(live, _code(live, email, scope))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refresh(live: LiveServers, refresh_token: str, scope: str = SCOPES) -> httpx.Response:
    return _token(live, grant_type="refresh_token", refresh_token=refresh_token, scope=scope)


def _graph(
    live: LiveServers, method: str, path: str, tokens: dict[str, Any], prefer: str = "", **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"} | ({"Prefer": prefer} if prefer else {})
    return httpx.request(method, f"{live.settings.teams_graph_url}/v1.0{path}", headers=headers, **kwargs)


def _aadsts(answer: httpx.Response) -> int:
    body = answer.json()
    assert body["error_description"].startswith(f"AADSTS{body['error_codes'][0]}: ")
    assert "\r\nTrace ID: " in body["error_description"]
    return body["error_codes"][0]


def test_the_consent_page_says_what_the_app_wants_and_asks_for_an_email(live: LiveServers) -> None:
    page = httpx.get(_authorization_url(live))

    assert page.status_code == 200
    assert "Meetings for SuperOffice wants to" in page.text
    assert "Read and create your online meetings" in page.text
    for control in ('<label for="ms-email">Email</label>', ">Allow</button>", ">Deny</button>"):
        assert control in page.text


def test_a_wrong_app_redirect_or_tenant_is_an_error_page_not_a_redirect(live: LiveServers) -> None:
    other_redirect = httpx.get(_authorization_url(live, redirect_uri="https://evil.example/cb"))
    other_app = httpx.get(_authorization_url(live, client_id="00000000-0000-0000-0000-000000000000"))
    personal = httpx.get(_authorization_url(live).replace("/organizations/", "/consumers/"))

    assert (other_redirect.status_code, other_app.status_code, personal.status_code) == (400, 400, 400)
    assert "AADSTS50011" in other_redirect.text
    assert "AADSTS700016" in other_app.text
    assert "Personal Microsoft accounts" in personal.text


def test_wrong_requests_and_a_denial_go_back_with_an_error(live: LiveServers) -> None:
    token_flow = httpx.get(_authorization_url(live, response_type="token"))
    no_scope = httpx.get(_authorization_url(live, scope=""))
    params = dict(httpx.URL(_authorization_url(live)).params)
    denied = httpx.post(_authorization_url(live).split("?")[0], data={**params, "decision": "deny"})
    no_email = httpx.post(_authorization_url(live).split("?")[0], data={**params, "decision": "allow", "email": "x"})

    assert httpx.URL(token_flow.headers["location"]).params["error"] == "unsupported_response_type"
    assert httpx.URL(no_scope.headers["location"]).params["error"] == "invalid_request"
    back = httpx.URL(denied.headers["location"])
    assert (back.params["error"], back.params["state"]) == ("access_denied", "st")
    assert back.params["error_description"].startswith("AADSTS65004")
    assert no_email.status_code == 400
    assert "Enter the e-mail address of your work or school account." in no_email.text


def test_a_code_needs_its_verifier_and_works_once(live: LiveServers) -> None:
    wrong = _redeem(live, _code(live), verifier="w" * 64)
    assert (wrong.status_code, wrong.json()["error"], _aadsts(wrong)) == (400, "invalid_grant", 501481)

    code = _code(live)
    first, again = _redeem(live, code), _redeem(live, code)

    assert first.status_code == 200
    tokens = first.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "OnlineMeetings.ReadWrite User.Read"
    assert 3600 <= tokens["expires_in"] <= 5400
    assert tokens["refresh_token"]
    assert (again.status_code, again.json()["error"], _aadsts(again)) == (400, "invalid_grant", 54005)


def test_a_bad_client_secret_is_invalid_client(live: LiveServers) -> None:
    refused = _token(live, client_secret="not-it", grant_type="authorization_code", code=_code(live))

    assert (refused.status_code, refused.json()["error"], _aadsts(refused)) == (401, "invalid_client", 7000215)


def test_without_offline_access_there_is_no_refresh_token(live: LiveServers) -> None:
    tokens = _tokens(live, scope="OnlineMeetings.ReadWrite User.Read")

    assert "refresh_token" not in tokens
    assert _graph(live, "GET", "/me", tokens).status_code == 200


def test_a_refresh_gives_a_new_refresh_token_and_the_old_one_still_works(live: LiveServers) -> None:
    tokens = _tokens(live)

    first = _refresh(live, tokens["refresh_token"])
    second = _refresh(live, tokens["refresh_token"])

    assert first.status_code == second.status_code == 200
    assert len({tokens["refresh_token"], first.json()["refresh_token"], second.json()["refresh_token"]}) == 3
    assert first.json()["access_token"] != tokens["access_token"]
    assert _refresh(live, first.json()["refresh_token"]).status_code == 200


def test_a_refresh_asking_for_an_unconsented_scope_is_consent_required(live: LiveServers) -> None:
    tokens = _tokens(live)

    refused = _refresh(live, tokens["refresh_token"], scope=f"{SCOPES} Calendars.ReadWrite")

    body = refused.json()
    assert (refused.status_code, body["error"], body["suberror"]) == (400, "invalid_grant", "consent_required")
    assert _aadsts(refused) == 65001


def test_an_armed_consent_required_answers_the_next_refresh_as_withdrawn_consent(live: LiveServers) -> None:
    tokens = _tokens(live)
    arm(live, "consent_required", target="token")

    refused = _refresh(live, tokens["refresh_token"])

    body = refused.json()
    assert (refused.status_code, body["error"], body["suberror"]) == (400, "invalid_grant", "consent_required")
    assert _aadsts(refused) == 65001
    assert _refresh(live, tokens["refresh_token"]).status_code == 200  # the fault is used up
    elsewhere = {"provider": "zoom", "fault": "consent_required", "target": "token"}
    assert httpx.post(f"{live.sandbox_url}/_sandbox/faults", json=elsewhere).status_code == 400  # Zoom has no such


def test_after_the_user_revokes_refreshes_fail_but_access_tokens_live_until_they_expire(live: LiveServers) -> None:
    tokens = _tokens(live, "bjorn@demo.example")

    revoke(live, "bjorn@demo.example")

    refused = _refresh(live, tokens["refresh_token"])
    assert (refused.status_code, refused.json()["error"], _aadsts(refused)) == (400, "invalid_grant", 50173)
    assert _graph(live, "GET", "/me", tokens).status_code == 200
    unknown = _refresh(live, "1.not-a-refresh-token")
    assert (unknown.json()["error"], _aadsts(unknown)) == ("invalid_grant", 9002313)


def test_a_passcode_is_made_only_when_asked_for(live: LiveServers) -> None:
    """Graph's "Create onlineMeeting" Example 3: joinMeetingIdSettings.isPasscodeRequired true gets a generated one."""
    tokens = _tokens(live)

    asked = _graph(live, "POST", "/me/onlineMeetings", tokens,
                   json={**MEETING, "joinMeetingIdSettings": {"isPasscodeRequired": True}}).json()  # fmt: skip
    odd = _graph(live, "POST", "/me/onlineMeetings", tokens,
                 json={**MEETING, "joinMeetingIdSettings": {"isPasscodeRequired": "yes"}})  # fmt: skip

    assert asked["joinMeetingIdSettings"]["isPasscodeRequired"] is True
    assert len(asked["joinMeetingIdSettings"]["passcode"]) >= 6
    assert (odd.status_code, odd.json()["error"]["code"]) == (400, "BadRequest")


def test_me_names_the_account_and_has_no_mail_without_a_mailbox(live: LiveServers) -> None:
    anna = _graph(live, "GET", "/me", _tokens(live, "anna@demo.example")).json()
    no_mailbox = _graph(live, "GET", "/me", _tokens(live, "nomail.carl@demo.example")).json()

    assert (anna["mail"], anna["userPrincipalName"], anna["displayName"]) == (
        "anna@demo.example", "anna@demo.example", "Anna")  # fmt: skip
    assert no_mailbox["mail"] is None
    assert no_mailbox["userPrincipalName"] == "nomail.carl@demo.example"
    assert len(no_mailbox["id"]) == 36  # a GUID


def test_a_meeting_is_created_read_moved_in_place_and_deleted(live: LiveServers) -> None:
    tokens = _tokens(live)

    created = _graph(live, "POST", "/me/onlineMeetings", tokens, json=MEETING)
    assert created.status_code == 201, created.text
    meeting = created.json()
    assert (meeting["startDateTime"], meeting["endDateTime"]) == ("2026-12-01T09:00:00Z", "2026-12-01T09:45:00Z")
    assert meeting["joinWebUrl"].startswith(f"{live.sandbox_url}/microsoft/teams/l/meetup-join/19%3ameeting_")
    assert len(meeting["joinMeetingIdSettings"]["joinMeetingId"]) == 12
    # Graph's own example: no passcode unless asked for
    assert (meeting["joinMeetingIdSettings"]["isPasscodeRequired"], meeting["joinMeetingIdSettings"]["passcode"]) == (
        False, None)  # fmt: skip
    # an evolvable enum member reads back as the sentinel unless the caller opts in
    assert meeting["lobbyBypassSettings"] == {"scope": "unknownFutureValue", "isDialInBypassEnabled": False}
    assert meeting["participants"]["organizer"]["upn"] == "anna@demo.example"
    path = f"/me/onlineMeetings/{meeting['id']}"
    assert _graph(live, "GET", path, tokens).json()["subject"] == "Kick-off"
    opted_in = _graph(live, "GET", path, tokens, prefer="include-unknown-enum-members").json()
    assert opted_in["lobbyBypassSettings"]["scope"] == "invited"

    moved = _graph(live, "PATCH", path, tokens, json={"subject": "Moved", "startDateTime": "2026-12-02T13:00:00Z",
                                                      "endDateTime": "2026-12-02T14:00:00Z"})  # fmt: skip
    assert moved.status_code == 200
    assert (moved.json()["subject"], moved.json()["startDateTime"]) == ("Moved", "2026-12-02T13:00:00Z")
    assert moved.json()["joinWebUrl"] == meeting["joinWebUrl"]
    half = _graph(live, "PATCH", path, tokens, json={"startDateTime": "2026-12-03T13:00:00Z"})
    assert (half.status_code, half.json()["error"]["code"]) == (400, "BadRequest")

    assert _graph(live, "DELETE", path, tokens).status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        gone = _graph(live, method, path, tokens, json={"subject": "x"} if method == "PATCH" else None)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "NotFound")
    [held] = held_meetings(live)
    assert (held["owner_email"], held["subject"], held["deleted"]) == ("anna@demo.example", "Moved", True)


def test_one_user_cannot_see_another_users_meeting(live: LiveServers) -> None:
    anna, bjorn = _tokens(live, "anna@demo.example"), _tokens(live, "bjorn@demo.example")
    meeting = _graph(live, "POST", "/me/onlineMeetings", anna, json=MEETING).json()

    assert _graph(live, "GET", f"/me/onlineMeetings/{meeting['id']}", bjorn).status_code == 404
    assert _graph(live, "DELETE", f"/me/onlineMeetings/{meeting['id']}", bjorn).status_code == 404


def test_wrong_meeting_bodies_are_bad_requests(live: LiveServers) -> None:
    tokens = _tokens(live)
    wrong = [
        {**MEETING, "endDateTime": "2026-12-01T08:00:00Z"},
        {**MEETING, "lobbyBypassSettings": {"scope": "anyone"}},
        {**MEETING, "startDateTime": "tomorrow"},
        {**MEETING, "colour": "blue"},
    ]

    for body in wrong:
        refused = _graph(live, "POST", "/me/onlineMeetings", tokens, json=body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "BadRequest"), body
    assert held_meetings(live) == []


def test_a_bad_or_expired_token_is_401_and_a_missing_scope_403(live: LiveServers) -> None:
    bad = _graph(live, "GET", "/me", {"access_token": "nope"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert set(bad.json()["error"]["innerError"]) >= {"request-id", "date"}

    tokens = _tokens(live)
    expire_access_tokens(live, "anna@demo.example")
    assert _graph(live, "GET", "/me", tokens).status_code == 401
    assert _graph(live, "GET", "/me", _refresh(live, tokens["refresh_token"]).json()).status_code == 200

    profile_only = _tokens(live, "carl@demo.example", scope="User.Read")  # Anna consented to more before
    forbidden = _graph(live, "POST", "/me/onlineMeetings", profile_only, json=MEETING)
    assert (forbidden.status_code, forbidden.json()["error"]["code"]) == (403, "Forbidden")


def test_armed_faults_answer_as_graph_and_the_token_endpoint_do(live: LiveServers) -> None:
    tokens = _tokens(live)
    arm(live, "rate_limited", retry_after_seconds=7)
    arm(live, "server_error")
    arm(live, "invalid_grant", target="token")
    arm(live, "rate_limited", target="token", retry_after_seconds=2)

    limited, failing, fine = (_graph(live, "GET", "/me", tokens) for _ in range(3))
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert limited.json()["error"]["code"] == "TooManyRequests"
    assert (failing.status_code, failing.json()["error"]["code"]) == (503, "ServiceUnavailable")
    assert fine.status_code == 200

    expired, throttled = _refresh(live, tokens["refresh_token"]), _refresh(live, tokens["refresh_token"])
    assert (expired.status_code, expired.json()["error"], _aadsts(expired)) == (400, "invalid_grant", 70008)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "2")
    assert _refresh(live, tokens["refresh_token"]).status_code == 200


def test_the_join_link_opens_a_teams_page(live: LiveServers) -> None:
    tokens = _tokens(live)
    body = {**MEETING, "lobbyBypassSettings": {"scope": "everyone"}}
    meeting = _graph(live, "POST", "/me/onlineMeetings", tokens, json=body).json()

    page = httpx.get(meeting["joinWebUrl"])

    assert page.status_code == 200
    assert "Microsoft Teams (sandbox)" in page.text
    assert "Kick-off" in page.text
    assert "2026-12-01T09:00:00Z" in page.text
    assert "Who can bypass the lobby" in page.text and "Everyone" in page.text
    _graph(live, "DELETE", f"/me/onlineMeetings/{meeting['id']}", tokens)
    assert httpx.get(meeting["joinWebUrl"]).status_code == 404
