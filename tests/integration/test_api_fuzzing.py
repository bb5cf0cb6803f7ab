"""No input may cause a server error: Schemathesis sends what the OpenAPI schema allows, and what it does not, to
every operation of the live backend, as a signed-in person and as a stranger, and no answer may be a 5xx.

Bounded for CI: a fixed seed, derandomized generation and a few examples per operation; the coverage phase adds each
parameter's boundary and wrong-typed values (huge ids, text where a number belongs, missing fields), and a dictionary
of hostile values is mixed into what is generated, where the 500s used to hide. One live backend serves the whole
module (setting it up is most of the cost); under pytest-xdist each worker runs its share of the operations, in the
schema's order, against a backend of its own.

The schema is read from the app at import time: Schemathesis makes one test per operation while pytest collects, and
its fixture-based loader (``schemathesis.pytest.from_fixture``) does not run under pytest 9.2. The ``backend`` fixture
checks that the live backend publishes the same schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error

from backend.app import create_app
from backend.settings import Settings
from tests.support.database import TEST_SECRET, create_tables, fresh_database, run_blocking, settings_for
from tests.support.extension_api import extension_user
from tests.support.live import LiveServers, live_servers
from tests.support.panel import panel_client
from tests.support.signin import csrf_token, sign_in
from tests.support.zoom import connect_company_zoom

RUN_LAST = ("/admin/video-meetings/disconnect", "/auth/logout")
"""Paths whose operations take away what the others need, so they are fuzzed after them, in this order: the company's
provider, then the administrator's session (signing out ends it at the server). The tokens are another user's, so the
administrator's "sign out everywhere" leaves them be."""


def published_schema() -> dict[str, Any]:
    """What the backend publishes at /schema/openapi.json (the fixture checks that the live one is the same): needed
    at collection time, before any server runs, to make one test per operation."""
    return create_app(Settings(secret_key=TEST_SECRET)).openapi_schema.to_schema()


def body_fields(raw: dict[str, Any]) -> set[str]:
    """The names of the request bodies' fields (Schemathesis binds a dictionary to a body field by name only)."""
    schemas = raw.get("components", {}).get("schemas", {})
    names: set[str] = set()
    for operations in raw["paths"].values():
        for operation in operations.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content.get("schema", {})
                body = schemas.get(body.get("$ref", "").rpartition("/")[2], body)
                names |= set(body.get("properties", {}))
    return names


PUBLISHED = published_schema()
HOSTILE = ["\x00", "a\x00b", "\u00b2", "\u0663", "%_", "9" * 40, -1, 0, 2**31 - 1, 2**31, 2**63, -(2**63) - 1, 2**70]
"""Values that have broken such services before: NUL (PostgreSQL refuses it in text), digits that are not ASCII,
LIKE wildcards, and integers past what a SuperOffice id (32 bits) or a database column (64 bits) can hold."""
OFTEN = 0.3
CONFIG = {
    "seed": 15,
    "suppress-health-check": ["too_slow"],  # the one Hypothesis check that depends on the machine's load, not the data
    "max-redirects": 0,  # a redirect is an answer; following it would fuzz the sandbox's sign-in instead
    "dictionaries": {"hostile": {"values": HOSTILE}},
    "parameters": {f"body.{name}": {"dictionary": "hostile", "probability": OFTEN} for name in body_fields(PUBLISHED)},
    "generation": {
        "max-examples": 8,
        "deterministic": True,
        "database": "none",
        "dictionaries": {kind: {"dictionary": "hostile", "probability": OFTEN} for kind in ("string", "integer")},
    },
    "phases": {
        "examples": {"enabled": False},
        "stateful": {"enabled": False},
        "coverage": {"unexpected-methods": []},
    },
}


def in_fuzzing_order(raw: dict[str, Any]) -> dict[str, Any]:
    """The schema with RUN_LAST's paths at the end (Schemathesis tests the operations in the schema's order)."""
    paths = raw["paths"]
    ordered = {**{p: v for p, v in paths.items() if p not in RUN_LAST}, **{p: paths[p] for p in RUN_LAST}}
    return {**raw, "paths": ordered}


schema = schemathesis.openapi.from_dict(in_fuzzing_order(PUBLISHED), config=schemathesis.Config.from_dict(CONFIG))


@dataclass(frozen=True)
class Credentials:
    """What a signed-in person's requests carry, by audience."""

    page_cookies: dict[str, str]
    page_headers: dict[str, str]
    api_headers: dict[str, str]
    panel_headers: dict[str, str]

    def for_path(self, path: str) -> dict[str, Any]:
        if path.startswith("/api/"):
            return {"headers": self.api_headers}
        if path.startswith("/panel/followup/"):
            return {"headers": self.panel_headers}
        return {"headers": self.page_headers, "cookies": self.page_cookies}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServers]:
    tmp_path = tmp_path_factory.mktemp("fuzzing")
    with fresh_database(tmp_path) as database:
        settings = settings_for(tmp_path, database)
        run_blocking(create_tables(settings))
        with live_servers(settings) as live:
            assert httpx.get(f"{live.backend_url}/schema/openapi.json").json() == PUBLISHED
            yield live


@pytest.fixture(scope="module")
def credentials(backend: LiveServers) -> Iterator[Credentials]:
    """The administrator's browser session (Zoom set up for the company), and a user's extension and panel tokens."""
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, backend, "admin", "/admin/video-meetings")
        csrf = csrf_token(page)
        connect_company_zoom(admin, backend, csrf)
        anna = extension_user(backend, "anna", zoom_email="anna@demo.example")
        panel = panel_client(backend, "anna")
        credentials = Credentials(
            page_cookies=dict(admin.cookies),
            page_headers={"X-CSRFToken": csrf},
            api_headers={"Authorization": anna.api.headers["Authorization"]},
            panel_headers={"Authorization": panel.headers["Authorization"]},
        )
        try:
            # Each audience gets past its guard, or the fuzzing would test only the sign-in redirects.
            for path, expected in (("/admin/video-meetings", 200), ("/api/meetings/upcoming", 200),
                                   ("/panel/followup/1/meeting", 404)):  # fmt: skip
                answer = httpx.get(f"{backend.backend_url}{path}", **credentials.for_path(path))
                assert answer.status_code == expected, (path, answer.text)
            yield credentials
        finally:
            for client in (anna.api, anna.browser, panel):
                client.close()


@schema.parametrize()
def test_no_input_causes_a_server_error_for_signed_in_people(
    case: schemathesis.Case, backend: LiveServers, credentials: Credentials
) -> None:
    response = case.call(base_url=backend.backend_url, **credentials.for_path(case.path))
    case.validate_response(response, checks=[not_a_server_error])


@schema.parametrize()
def test_no_input_causes_a_server_error_for_strangers(case: schemathesis.Case, backend: LiveServers) -> None:
    response = case.call(base_url=backend.backend_url)
    case.validate_response(response, checks=[not_a_server_error])
