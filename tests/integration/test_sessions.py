"""Browser sessions kept server-side: signing out ends the session wherever its cookie went, a sign-in gets a new
session id, and the sessions are in the database (embedded default) or in Redis (``MEETINGS_REDIS_URL``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from backend.models import WebSession
from backend.settings import Settings
from backend.web.sessions import SESSION_COOKIE
from tests.support.live import LiveServers, live_servers
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, sign_in

ADMIN_PAGE = "/admin/video-meetings"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _signed_in(live: LiveServers, session_id: str) -> bool:
    """Whether a browser holding only this session cookie is let into the administrator's page."""
    page = httpx.get(f"{live.backend_url}{ADMIN_PAGE}", cookies={SESSION_COOKIE: session_id})
    return page.status_code == 200


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as browser:
        page = sign_in(browser, live, "admin", ADMIN_PAGE)
        copied = browser.cookies[SESSION_COOKIE]
        assert _signed_in(live, copied)

        browser.post(f"{live.backend_url}/auth/logout", data={"_csrf_token": csrf_token(page)})

    assert not _signed_in(live, copied)
    assert rows(live.settings, WebSession) == []


def test_a_sign_in_gets_a_new_session_id(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as browser:
        browser.get(f"{live.backend_url}/auth/login")  # the pending sign-in lives in a session already
        before = browser.cookies[SESSION_COOKIE]

        sign_in(browser, live, "admin", ADMIN_PAGE)

        after = browser.cookies[SESSION_COOKIE]
    assert after != before
    assert not _signed_in(live, before) and _signed_in(live, after)


def test_the_cookie_holds_only_an_id(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as browser:
        sign_in(browser, live, "admin", ADMIN_PAGE)
        value = browser.cookies[SESSION_COOKIE]

    assert len(value) == 64 and int(value, 16) >= 0  # 32 random bytes in hex, nothing of the user in it
    [stored] = rows(live.settings, WebSession)
    assert stored.key == value


def test_visitors_without_a_session_get_no_cookie_and_leave_no_row(live: LiveServers) -> None:
    home = httpx.get(f"{live.backend_url}/")
    script = httpx.get(f"{live.backend_url}/static/htmx.min.js")
    stale = httpx.get(f"{live.backend_url}/", cookies={SESSION_COOKIE: "ab" * 32})

    assert (home.status_code, script.status_code, stale.status_code) == (200, 200, 200)
    assert SESSION_COOKIE not in home.headers.get("set-cookie", "") + script.headers.get("set-cookie", "")
    assert f"{SESSION_COOKIE}=null" in stale.headers["set-cookie"]  # a cookie of no session is taken back
    assert rows(live.settings, WebSession) == []


@pytest.fixture
def redis_live(settings: Settings) -> Iterator[tuple[LiveServers, redis.Redis]]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL} (CI and this machine run it)")
    with live_servers(settings.model_copy(update={"redis_url": REDIS_URL})) as servers:
        yield servers, client
    client.close()


def test_sessions_live_in_redis_when_it_is_configured(redis_live: tuple[LiveServers, redis.Redis]) -> None:
    live, client = redis_live
    with httpx.Client(timeout=20) as browser:
        page = sign_in(browser, live, "admin", ADMIN_PAGE)
        session_id = browser.cookies[SESSION_COOKIE]
        keys = [k.decode() for k in client.scan_iter(match=f"*{session_id}")]
        assert len(keys) == 1
        assert rows(live.settings, WebSession) == []

        browser.post(f"{live.backend_url}/auth/logout", data={"_csrf_token": csrf_token(page)})

    assert client.exists(keys[0]) == 0
    assert not _signed_in(live, session_id)


def _age_the_role(live: LiveServers, minutes: int) -> None:
    """As if SuperOffice had last said this user is an administrator ``minutes`` ago."""
    [stored] = rows(live.settings, WebSession)
    data = json.loads(stored.value)
    data["user"]["role_checked_at"] = time.time() - minutes * 60
    change_rows(live.settings, WebSession, {"value": json.dumps(data).encode()})


def test_the_administrator_role_is_asked_for_again_after_15_minutes(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, live, "admin", ADMIN_PAGE)
        _age_the_role(live, 14)
        assert admin.get(f"{live.backend_url}{ADMIN_PAGE}").status_code == 200
        _age_the_role(live, 16)

        stale = admin.get(f"{live.backend_url}{ADMIN_PAGE}", follow_redirects=False)
        change = admin.post(f"{live.backend_url}/admin/video-meetings/invitations", follow_redirects=False,
                            data={"_csrf_token": csrf_token(page), "mode": "mail_link"},
                            headers={"referer": f"{live.backend_url}{ADMIN_PAGE}"})  # fmt: skip

    assert (stale.status_code, stale.headers["location"]) == (303, "/auth/login?next=/admin/video-meetings")
    assert (change.status_code, change.headers["location"]) == (303, "/auth/login?next=/admin/video-meetings")


def test_the_round_trip_to_superoffice_renews_the_role(live: LiveServers) -> None:
    with httpx.Client(timeout=20) as admin:
        sign_in(admin, live, "admin", ADMIN_PAGE)
        _age_the_role(live, 16)

        again = admin.get(f"{live.backend_url}{ADMIN_PAGE}", follow_redirects=True)

        assert str(again.url) == f"{live.backend_url}{ADMIN_PAGE}"  # signed in to SuperOffice: straight back
        assert admin.get(f"{live.backend_url}{ADMIN_PAGE}", follow_redirects=False).status_code == 200
