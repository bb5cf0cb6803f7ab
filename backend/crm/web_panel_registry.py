"""The company's "Video meeting" web panel in SuperOffice's follow-up dialog, through the WebAPI's list agent
(``/api/v1/List/WebPanel/Items``) as an administrator.

A web panel is a list item (``WebPanelEntity``). We find ours by its ``ProgId``, "a string key that can be used to
uniquely retrieve the panel; particularly useful for partners" (SuperOffice's REST reference), so a panel made by an
attempt whose answer we never stored is saved again instead of a second one added. ``DELETE`` only marks an item
``Deleted``: the list keeps it, and saving it again with ``Deleted: false`` brings it back.
``VisibleIn: "ActivityDialog"`` is the follow-up dialog (SuperOffice's DevNet sample, ``VisibleInHelper``); the URL's
``<baid>`` is the follow-up's id (0 while it is new) and ``<uctx>`` the tenant (``common/includes/variable/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import error_message, webapi_call

PROG_ID = "meetings-for-superoffice.follow-up-video-meeting"
NAME = "Video meeting"
TOOLTIP = "Add, copy, join or remove this follow-up's video meeting"


class WebPanelRefused(Exception):
    """SuperOffice did not accept the web panel (the message is SuperOffice's)."""


@dataclass(frozen=True)
class WebPanel:
    web_panel_id: int
    url: str
    deleted: bool


def panel_url(public_url: str) -> str:
    """The address SuperOffice shows in the follow-up dialog, its variables filled in per follow-up and user."""
    return f"{public_url.rstrip('/')}/panel/followup?ctx=<uctx>&appointment=<baid>"


def _url(webapi_url: str, web_panel_id: int | None = None) -> str:
    base = f"{webapi_url.rstrip('/')}/v1/List/WebPanel/Items"
    return base if web_panel_id is None else f"{base}/{web_panel_id}"


def _entity(url: str, *, deleted: bool) -> dict[str, Any]:
    return {
        "Name": NAME, "Tooltip": TOOLTIP, "ProgId": PROG_ID, "Url": url, "UrlEncoding": "None",
        "VisibleIn": "ActivityDialog", "OnSalesMarketingWeb": True, "OnCentral": True, "Deleted": deleted,
        "Rank": 1, "WindowName": "meetings_video_meeting", "AlwaysReloadOnShow": True,
    }  # fmt: skip


def _panel(item: Any) -> WebPanel:
    return WebPanel(web_panel_id=int(item["WebPanelId"]), url=str(item.get("Url") or ""),
                    deleted=bool(item.get("Deleted")))  # fmt: skip


async def find_web_panel(http: httpx.AsyncClient, webapi_url: str, access_token: str) -> WebPanel | None:
    """Our panel in the tenant's list (deleted or not), found by its ProgId."""
    response = await webapi_call(http, "GET", _url(webapi_url), access_token)
    if response.status_code != 200:
        raise WebPanelRefused(error_message(response))
    try:
        ours = [_panel(item) for item in response.json() if item.get("ProgId") == PROG_ID]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CrmUnavailable("SuperOffice's answer was not a list of web panels") from error
    # Several (made by hand, say): the one that is showing.
    return next((panel for panel in ours if not panel.deleted), ours[0] if ours else None)


async def save_web_panel(
    http: httpx.AsyncClient, webapi_url: str, access_token: str, *, url: str, deleted: bool = False
) -> WebPanel:
    """Create our panel, or save the one we already have (found by ProgId) with this URL and ``deleted``."""
    existing = await find_web_panel(http, webapi_url, access_token)
    entity = _entity(url, deleted=deleted)
    if existing is None:
        response = await webapi_call(http, "POST", _url(webapi_url), access_token, json=entity)
    else:
        entity["WebPanelId"] = existing.web_panel_id
        response = await webapi_call(http, "PUT", _url(webapi_url, existing.web_panel_id), access_token, json=entity)
    if response.status_code != 200:
        raise WebPanelRefused(error_message(response))
    try:
        return _panel(response.json())
    except (ValueError, KeyError, TypeError) as error:
        raise CrmUnavailable("SuperOffice's answer was not a web panel") from error


async def delete_web_panel(http: httpx.AsyncClient, webapi_url: str, access_token: str) -> None:
    """Take our panel out of the follow-up dialog (SuperOffice marks it deleted); none there is fine."""
    existing = await find_web_panel(http, webapi_url, access_token)
    if existing is None or existing.deleted:
        return
    response = await webapi_call(http, "DELETE", _url(webapi_url, existing.web_panel_id), access_token)
    if response.status_code not in (200, 204, 404):
        raise WebPanelRefused(error_message(response))
