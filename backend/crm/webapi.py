"""One call on SuperOffice's REST WebAPI as a signed-in user (``Authorization: Bearer``), with the headers every call
sends (``SO-TimeZone``) and SuperOffice's refusals as exceptions. Error bodies are
``{"Error": true, "ErrorType": ..., "ErrorMessage": ..., "ErrorSource": ...}``.
"""

from __future__ import annotations

from typing import Any

import httpx

from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi_dates import TIME_ZONE_HEADER


class CrmAccessRefused(Exception):
    """SuperOffice refused the access token (401/403)."""


async def webapi_call(
    http: httpx.AsyncClient, method: str, url: str, access_token: str, *, json: Any = None
) -> httpx.Response:
    """The response when SuperOffice answered below 500 and did not refuse the token; CrmUnavailable otherwise."""
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json", **TIME_ZONE_HEADER}
    try:
        response = await http.request(method, url, json=json, headers=headers)
    except httpx.HTTPError as error:
        raise CrmUnavailable(f"SuperOffice could not be reached ({type(error).__name__})") from error
    if response.status_code in (401, 403):
        raise CrmAccessRefused(error_message(response))
    if response.status_code >= 500:
        raise CrmUnavailable(f"SuperOffice answered {response.status_code}: {error_message(response)}")
    return response


def error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return str(body.get("ErrorMessage") or response.reason_phrase) if isinstance(body, dict) else response.reason_phrase
