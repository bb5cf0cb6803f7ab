"""A provider's answer enters only with a meeting link that is a web address: never stored, shown or opened
otherwise (a ``javascript:`` link in a provider's answer would run in our pages or the CRM's)."""

from __future__ import annotations

import httpx
import pytest

from backend.providers.base import ErrorKind, ProviderError, is_web_address
from backend.providers.zoom import ZoomConfig, ZoomProvider
from tests.contracts.test_zoom_contracts import DETAILS
from tests.support.stub_server import stub_server


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
                                  "file:///etc/passwd", "https://", "zoommtg://zoom.us/join?confno=1"])  # fmt: skip
@pytest.mark.anyio
async def test_a_meeting_whose_link_is_not_a_web_address_is_refused(link: str) -> None:
    with stub_server({"id": 85746065432, "join_url": link, "password": "Pass1234"}) as zoom_api:
        async with httpx.AsyncClient(timeout=10) as http:
            zoom = ZoomProvider(ZoomConfig(zoom_api.url, zoom_api.url, "client", "secret"), http)
            with pytest.raises(ProviderError) as refused:
                await zoom.create_meeting("token", DETAILS, {"passcode": "Pass1234"})

    assert refused.value.kind is ErrorKind.UNAVAILABLE
    assert "not a web address" in refused.value.message


def test_web_addresses_are_http_or_https_with_a_host() -> None:
    assert is_web_address("https://us02web.zoom.us/j/85746065432?pwd=x")
    assert is_web_address("http://127.0.0.1:8001/zoom/j/1")
    assert not is_web_address(" javascript:alert(1)")
