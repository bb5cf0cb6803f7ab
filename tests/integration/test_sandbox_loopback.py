"""The sandbox's mailbox and its `_sandbox` control endpoints answer only people and tests on this computer.

An ASGI-level call is the one way to be another computer here (every live server of the suite is on 127.0.0.1); the
rule reads the client address the server hands the app, so that is what these tests set.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from backend.sandbox.app import SandboxConfig, create_sandbox_app

pytestmark = pytest.mark.anyio

SANDBOX = "http://127.0.0.1:8001"
ANOTHER_COMPUTER = ("10.0.0.5", 1234)


@pytest.fixture
def sandbox(tmp_path: Path) -> Litestar:
    return create_sandbox_app(SandboxConfig(tmp_path, SANDBOX, "http://127.0.0.1:8000", b"s" * 32))


@pytest.fixture
async def client_at(sandbox: Litestar) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=sandbox, client=(address, 1234))
        clients.append(httpx.AsyncClient(transport=transport, base_url=SANDBOX))
        return clients[-1]

    yield at
    for client in clients:
        await client.aclose()


def _control_requests(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path) of the mailbox and of the emulators' `_sandbox` endpoints, path parameters filled in."""
    requests = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and ("_sandbox" in route.path or route.path.startswith("/mailbox")):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            requests += [(method, path) for method in sorted(route.methods) if method != "OPTIONS"]
    return requests


async def test_another_computer_is_refused_at_the_mailbox_and_every_control_endpoint(
    sandbox: Litestar, client_at: Callable[[str], httpx.AsyncClient]
) -> None:
    requests = _control_requests(sandbox)
    assert ("GET", "/mailbox") in requests and ("POST", "/_sandbox/faults") in requests
    assert ("GET", "/zoom/_sandbox/meetings") in requests and ("GET", "/google/_sandbox/spaces") in requests
    outsider = client_at(ANOTHER_COMPUTER[0])

    for method, path in requests:
        answer = await outsider.request(method, path, json={})

        assert answer.status_code == 403, (method, path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/plain")
        assert "only on this computer" in answer.text


async def test_a_fault_armed_from_another_computer_breaks_nothing(
    client_at: Callable[[str], httpx.AsyncClient],
) -> None:
    outsider, here = client_at(ANOTHER_COMPUTER[0]), client_at("127.0.0.1")
    fault = {"provider": "zoom", "target": "api", "fault": "server_error", "count": 1}

    await outsider.post("/_sandbox/faults", json=fault)
    unfaulted = await here.get("/zoom/v2/users/me")
    await here.post("/_sandbox/faults", json=fault)
    faulted = await here.get("/zoom/v2/users/me")

    assert unfaulted.status_code == 401  # Zoom's answer to a call without a token: no fault was armed
    assert faulted.status_code == 500


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
async def test_this_computer_reads_the_mailbox_and_uses_the_controls(
    client_at: Callable[[str], httpx.AsyncClient], address: str
) -> None:
    here = client_at(address)

    assert (await here.get("/mailbox")).status_code == 200
    assert (await here.get("/zoom/_sandbox/meetings")).status_code == 200
    assert (await here.delete("/_sandbox/faults")).status_code == 204


async def test_another_computer_still_reaches_the_emulated_services(
    client_at: Callable[[str], httpx.AsyncClient],
) -> None:
    outsider = client_at(ANOTHER_COMPUTER[0])

    discovery = await outsider.get("/login/.well-known/openid-configuration")

    assert discovery.status_code == 200
    assert discovery.json()["issuer"].startswith(SANDBOX)
