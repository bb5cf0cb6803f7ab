"""What the provider contract tests share: the documented samples, the committed extracts of the providers' published
API descriptions (with a JSON Schema validator over them), a recorder of our own HTTP traffic, and adapters wired to
the live emulators.

Every file under ``samples/`` names its source (a ``_source`` key); a sample is read without it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from authlib.common.security import generate_token
from jsonschema import Draft202012Validator

from backend.providers.base import Grant
from backend.providers.google_meet import GoogleMeetConfig, GoogleMeetProvider
from backend.providers.teams import TeamsConfig, TeamsProvider
from backend.providers.zoom import ZoomConfig, ZoomProvider
from tests.contracts.shapes import SAMPLES
from tests.support.live import LiveServers
from tests.support.providers import GOOGLE_MEET, TEAMS, ZOOM, Harness

EXTRACTS = {
    "zoom": "zoom/meetings-openapi-extract.json",
    "microsoft": "microsoft/graph-v1.0-extract.json",
    "google": "google/meet-v2-discovery-extract.json",
}


@cache
def spec(provider: str) -> dict[str, Any]:
    """The committed extract of a provider's published API description (``zoom``, ``microsoft``, ``google``)."""
    data = json.loads((SAMPLES / EXTRACTS[provider]).read_text())
    assert {"repository", "path", "commit"} <= set(data["_source"]), "an extract names where and when it was taken"
    return data


def problems(provider: str, schema: dict[str, Any], instance: Any) -> list[str]:
    """What in ``instance`` the provider's description does not allow (empty: it conforms)."""
    document = {**schema, "schemas": spec(provider)["schemas"]}
    validator = Draft202012Validator(document)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}" for error in
            validator.iter_errors(instance)]  # fmt: skip


def request_schema(provider: str, operation: str) -> dict[str, Any]:
    return spec(provider)["operations"][operation]["request"]


def response_schema(provider: str, operation: str, status: str) -> dict[str, Any]:
    return spec(provider)["operations"][operation]["responses"][status]["schema"]


def shape(value: Any) -> Any:
    """Keys and JSON types of a document, values left out (for comparing a sample with an emulator's answer)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@dataclass
class Exchange:
    method: str
    url: httpx.URL
    headers: httpx.Headers
    body: Any
    status: int
    answer: Any


@dataclass
class Recorder:
    """Our adapter's HTTP traffic as it went over the wire (httpx event hooks: nothing is replaced, only watched)."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def on_response(self, response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        body, answer = _json(request.content), _json(response.content)
        self.exchanges.append(
            Exchange(request.method, request.url, request.headers, body, response.status_code, answer)
        )

    def to(self, method: str, path_end: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method and e.url.path.endswith(path_end)]


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return content.decode(errors="replace")


@asynccontextmanager
async def recorded_http() -> AsyncIterator[tuple[httpx.AsyncClient, Recorder]]:
    recorder = Recorder()
    async with httpx.AsyncClient(timeout=10, event_hooks={"response": [recorder.on_response]}) as http:
        yield http, recorder


def zoom_adapter(live: LiveServers, http: httpx.AsyncClient) -> ZoomProvider:
    s = live.settings
    assert s.zoom_client_secret is not None
    hook_secret = s.zoom_webhook_secret.get_secret_value() if s.zoom_webhook_secret else ""
    config = ZoomConfig(
        s.zoom_url, s.zoom_api_url, s.zoom_client_id, s.zoom_client_secret.get_secret_value(), hook_secret
    )
    return ZoomProvider(config, http)


def teams_adapter(live: LiveServers, http: httpx.AsyncClient) -> TeamsProvider:
    s = live.settings
    assert s.teams_client_secret is not None
    config = TeamsConfig(
        s.teams_login_url, s.teams_graph_url, s.teams_client_id, s.teams_client_secret.get_secret_value()
    )
    return TeamsProvider(config, http)


def google_adapter(live: LiveServers, http: httpx.AsyncClient) -> GoogleMeetProvider:
    s = live.settings
    assert s.google_client_secret is not None
    config = GoogleMeetConfig(s.google_accounts_url, s.google_oauth2_url, s.google_meet_url, s.google_client_id,
                              s.google_client_secret.get_secret_value())  # fmt: skip
    return GoogleMeetProvider(config, http)


HARNESS: dict[type, Harness] = {ZoomProvider: ZOOM, TeamsProvider: TEAMS, GoogleMeetProvider: GOOGLE_MEET}


async def grant(live: LiveServers, adapter: Any, email: str = "anna@demo.example") -> Grant:
    """The person allows our app at the emulator's consent page, and the adapter exchanges the code."""
    verifier, redirect = generate_token(48), live.settings.connect_callback_url(HARNESS[type(adapter)].kind)
    url = adapter.authorization_url(redirect_uri=redirect, state="contract", code_verifier=verifier)
    back = HARNESS[type(adapter)].consent(live, url, email)
    return await adapter.exchange_code(code=back.params["code"], redirect_uri=redirect, code_verifier=verifier)
