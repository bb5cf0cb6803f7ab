"""What the administrator's forms send, with their bounds (checked before a handler runs, shown in the OpenAPI
schema). A form from our own pages always fits; one changed by hand gets the 400 page of ``errors.bad_request``.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from backend.crm.ids import MAX_ID
from backend.services.invitations import MAX_TEMPLATE_LENGTH
from backend.web.bounds import MAX_PAGE, MAX_SEARCH_LENGTH, NO_NUL, Choice

AssociateId = Annotated[int, Meta(ge=1, le=MAX_ID)]


class ProviderForm(Struct):
    provider: Choice = ""


class SettingForm(Struct):
    """The provider's company setting (Zoom's passcode, Teams' lobby, Meet's access type), or *Generate*."""

    value: Annotated[str, Meta(max_length=255, pattern=NO_NUL)] = ""
    action: Choice = ""


class InvitationsForm(Struct):
    mode: Choice = ""
    # The textarea holds MAX_TEMPLATE_LENGTH characters, but a browser sends each line break as two; what is too long
    # within this bound is explained in the form (check_template).
    template: Annotated[str, Meta(max_length=2 * MAX_TEMPLATE_LENGTH)] = ""


class PreviewForm(Struct):
    template: Annotated[str, Meta(max_length=2 * MAX_TEMPLATE_LENGTH)] = ""


class WebPanelForm(Struct):
    shown: Choice = ""


class RemoveUsersForm(Struct):
    """The ticked users, and the listing to go back to (its filter, order and page)."""

    # One ticked box sends one value, several a list (Litestar makes a list only of a repeated field).
    associate_id: list[AssociateId] | AssociateId | None = None
    confirmed: Choice = ""
    q: Annotated[str, Meta(max_length=MAX_SEARCH_LENGTH, pattern=NO_NUL)] = ""
    sort: Choice = ""
    desc: Choice = ""
    page: Annotated[int, Meta(ge=1, le=MAX_PAGE)] | None = None

    def associate_ids(self) -> list[int]:
        ids = self.associate_id if isinstance(self.associate_id, list) else [self.associate_id]
        return sorted({i for i in ids if i is not None})
