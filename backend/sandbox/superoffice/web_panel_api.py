"""``/{ContextId}/api/v1/List/WebPanel/Items``: the tenant's web panels, as SuperOffice's REST WebAPI keeps them.

From SuperOffice's generated REST reference (SuperOfficeDocs, uids ``v1WebPanelEntityList_GetWebPanelEntity``,
``_PutWebPanelEntity``, ``_DeleteWebPanelEntity``; list and create: ``GET``/``POST List/WebPanel/Items``): the
``WebPanelEntity`` fields below; ``DELETE`` answers 204 and only *marks* the item ``Deleted``, so the list still holds
it (a client must look at ``Deleted``); ``ProgId`` is "a string key that can be used to uniquely retrieve the panel"
(partners find their panel by it; SuperOffice does not enforce its uniqueness, UNCONFIRMED, and neither do we).
``VisibleIn`` is a ``Navigation`` name: the follow-up dialog is ``ActivityDialog`` (SuperOffice's DevNet sample
``VisibleInHelper.Dialogs.Followup``); an unknown name is refused. Online integrations must use HTTPS addresses; the
emulator lets plain HTTP through only for loopback hosts, where the sandbox's own backend lives. Who may change the
list is UNCONFIRMED: the emulator lets administrators write and every user of the tenant read (the web client reads
it to draw panels).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND

from backend.sandbox.superoffice.demo_world import DemoAssociate
from backend.sandbox.superoffice.webapi import SuperOfficeError, caller, entity_body

BASE = "/{context_id:str}/api/v1/List/WebPanel/Items"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
NAVIGATION = (
    "ActivityDialog", "AppointmentDialogTask", "BrowserPanel", "CompanyMinicard", "ContactArchive", "ContactCard",
    "DocumentDialog", "NavigatorButton", "PersonArchive", "PersonCard", "PersonDialogTask", "ProjectArchive",
    "ProjectCard", "QuoteDialog", "QuoteLineDialog", "SaleArchive", "SaleCard", "SelectionCard", "ToolboxMenu",
    "ViewMenu",
)  # fmt: skip
TEXT_FIELDS = {"Name": "", "Tooltip": "", "UrlEncoding": "Unknown", "VisibleIn": "", "WindowName": "", "Url": "",
               "ProgId": ""}  # fmt: skip
FLAG_FIELDS = (
    "Deleted", "OnCentral", "OnSatellite", "OnTravel", "OnSalesMarketingWeb", "OnSalesMarketingPocket",
    "ShowInMenuBar", "ShowInToolBar", "ShowInAddressBar", "ShowInStatusBar", "AlwaysReloadOnShow",
)  # fmt: skip
NUMBER_FIELDS = ("Rank", "Icon")
URL_LIMIT = 2000


def _refused(message: str) -> SuperOfficeError:
    return SuperOfficeError(HTTP_400_BAD_REQUEST, "SoArgumentException", message)


def _administrator(request: Request[Any, Any, Any], context_id: str) -> DemoAssociate:
    associate = caller(request, context_id)
    if not associate.is_administrator:
        raise SuperOfficeError(HTTP_403_FORBIDDEN, "SoAccessDeniedException", "Only administrators may edit lists.")
    return associate


def _entity(body: Any, web_panel_id: int) -> dict[str, Any]:
    """A complete WebPanelEntity from a client's body: missing fields take SuperOffice's defaults (false, 0, "")."""
    if not isinstance(body, dict):
        raise _refused("Entity to save is not in request body.")
    entity: dict[str, Any] = {"WebPanelId": web_panel_id}
    for name, default in TEXT_FIELDS.items():
        value = body.get(name, default)
        if not isinstance(value, str):
            raise _refused(f"{name} must be text.")
        entity[name] = value
    for name in FLAG_FIELDS:
        value = body.get(name, False)
        if not isinstance(value, bool):
            raise _refused(f"{name} must be true or false.")
        entity[name] = value
    for name in NUMBER_FIELDS:
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _refused(f"{name} must be a whole number.")
        entity[name] = value
    if not entity["Name"].strip():
        raise _refused("Name is required.")
    if entity["VisibleIn"] not in NAVIGATION:
        raise _refused(f"VisibleIn must be one of {', '.join(NAVIGATION)}.")
    url = urlsplit(entity["Url"])
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOOPBACK):
        raise _refused("Url must be an HTTPS address.")
    if len(entity["Url"]) > URL_LIMIT:
        raise _refused(f"Url is too long: at most {URL_LIMIT} characters.")
    return entity


def to_entity(stored: dict[str, Any]) -> dict[str, Any]:
    return {**stored, "TableRight": None, "FieldProperties": {}}


def _existing(request: Request[Any, Any, Any], context_id: str, web_panel_id: int) -> dict[str, Any]:
    stored = request.app.state.web_panels.get(context_id, web_panel_id)
    if stored is None:
        raise SuperOfficeError(
            HTTP_404_NOT_FOUND, "SoNotFoundException", f"WebPanelEntity with id {web_panel_id} does not exist."
        )
    return stored


@get(BASE, sync_to_thread=False)
def list_web_panels(request: Request[Any, Any, Any], state: State, context_id: FromPath[str]) -> list[dict]:
    caller(request, context_id)
    return [to_entity(item) for item in state.web_panels.of_tenant(context_id)]


@post(BASE, status_code=200)
async def create_web_panel(request: Request[Any, Any, Any], state: State, context_id: FromPath[str]) -> dict:
    _administrator(request, context_id)
    entity = _entity(await entity_body(request), 0)
    return to_entity(state.web_panels.add(context_id, entity))


@get(BASE + "/{web_panel_id:int}", sync_to_thread=False)
def get_web_panel(request: Request[Any, Any, Any], context_id: FromPath[str], web_panel_id: FromPath[int]) -> dict:
    caller(request, context_id)
    return to_entity(_existing(request, context_id, web_panel_id))


@put(BASE + "/{web_panel_id:int}")
async def replace_web_panel(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], web_panel_id: FromPath[int]
) -> dict:
    _administrator(request, context_id)
    _existing(request, context_id, web_panel_id)
    entity = _entity(await entity_body(request), web_panel_id)
    return to_entity(state.web_panels.save(context_id, entity))


@delete(BASE + "/{web_panel_id:int}", status_code=HTTP_204_NO_CONTENT)
async def delete_web_panel(
    request: Request[Any, Any, Any], state: State, context_id: FromPath[str], web_panel_id: FromPath[int]
) -> Response[None]:
    """Marks the item deleted; it stays in the list."""
    _administrator(request, context_id)
    stored = _existing(request, context_id, web_panel_id)
    state.web_panels.save(context_id, {**stored, "Deleted": True})
    return Response(None, status_code=HTTP_204_NO_CONTENT)


ROUTES = [list_web_panels, create_web_panel, get_web_panel, replace_web_panel, delete_web_panel]
