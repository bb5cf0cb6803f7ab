"""*Manage users*: the administrator's list of users with a provider connection, and removing configurations."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, Parameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from backend.crm.ids import MAX_ID
from backend.providers.catalogue import display_name
from backend.services.user_admin import Listing, list_connections, remove_configurations
from backend.web.bounds import PageNumber, SearchText
from backend.web.dependencies import Cipher, DbSession, Providers
from backend.web.forms import RemoveUsersForm
from backend.web.htmx import wants_partial
from backend.web.session_user import current_user, require_administrator

PAGE = "/admin/video-meetings/users"


class ManageUsersController(Controller):
    path = PAGE
    guards = [require_administrator]

    @get("/")
    async def users(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        cipher: Cipher,
        q: FromQuery[SearchText] = "",
        sort: FromQuery[Annotated[str, Parameter(max_length=32)]] = "name",
        desc: FromQuery[bool] = False,
        page: FromQuery[PageNumber] = 1,
        removed: FromQuery[Annotated[int | None, Parameter(ge=0, le=MAX_ID)]] = None,
    ) -> Template:
        user = current_user(request)
        assert user is not None and user.tenant_id is not None
        listing = await list_connections(db_session, user.tenant_id, query=q, sort=sort, descending=desc, page=page,
                                         cipher=cipher)  # fmt: skip
        message = f"Removed the configuration of {removed} user{'s' if removed != 1 else ''}." if removed else None
        return self._render(request, listing, message)

    @post("/remove")
    async def remove(
        self, request: Request[Any, Any, Any], db_session: DbSession, providers: Providers, cipher: Cipher,
        data: URLEncodedBody[RemoveUsersForm],
    ) -> Template | Redirect:  # fmt: skip
        """Remove the chosen users' configurations; without JavaScript the confirmation is a page of its own."""
        user = current_user(request)
        assert user is not None and user.tenant_id is not None
        associate_ids = data.associate_ids()
        back = {key: value for key in ("q", "sort", "desc", "page") if (value := getattr(data, key))}
        if not associate_ids:
            listing = await list_connections(db_session, user.tenant_id)
            return self._render(request, listing, None, error="Choose at least one user.")
        if data.confirmed != "yes":
            listing = await list_connections(db_session, user.tenant_id)
            chosen = [row for row in listing.rows if row.associate_id in associate_ids] or None
            context = {"user": user, "associate_ids": associate_ids, "chosen": chosen, "back": back}
            return Template("pages/remove_users.html", context=context)
        count = await remove_configurations(db_session, tenant_id=user.tenant_id, associate_ids=associate_ids,
                                            actor=user.actor(), adapters=providers, cipher=cipher)  # fmt: skip
        if wants_partial(request):
            listing = await list_connections(
                db_session, user.tenant_id, query=back.get("q", ""), sort=back.get("sort", "name"),
                descending=back.get("desc") == "true",
            )  # fmt: skip
            message = f"Removed the configuration of {count} user{'s' if count != 1 else ''}."
            return self._render(request, listing, message)
        return Redirect(f"{PAGE}?{urlencode({**back, 'removed': count})}", status_code=HTTP_303_SEE_OTHER)

    def _render(self, request: Request[Any, Any, Any], listing: Listing, message: str | None, **extra: Any) -> Template:
        context = {"user": current_user(request), "listing": listing, "message": message,
                   "display_name": display_name, **extra}  # fmt: skip
        template = "partials/users_table.html" if wants_partial(request) else "pages/users.html"
        return Template(template, context=context)
