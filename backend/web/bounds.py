"""Bounds on what the pages' query strings and forms may carry. Each one shows in the OpenAPI schema, and a request
past one is answered 400 before a handler runs (``errors.bad_request`` says so in words), so an odd value never
reaches a query: a number past a column's range, or text PostgreSQL cannot store.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter
from msgspec import Meta

from backend.crm.ids import MAX_ID

NO_NUL = r"^[^\x00]*$"
"""Text we keep or search for: PostgreSQL cannot store the NUL character, and nobody types one."""
MAX_PAGE = 1_000_000
"""Further than any listing goes (50 rows a page), and far inside a database integer."""
MAX_SEARCH_LENGTH = 200

# Path and query parameters (Litestar's Parameter):
CrmId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="A SuperOffice record id (32-bit, from 1).")]
PageNumber = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Which page of the listing (from 1).")]
SearchText = Annotated[
    str, Parameter(max_length=MAX_SEARCH_LENGTH, pattern=NO_NUL, description="Part of a name, address or id.")
]
# Fields of a form's model (msgspec's Meta):
Choice = Annotated[str, Meta(max_length=32, pattern=NO_NUL)]
"""A form's button or radio value (a provider, a mode, an action)."""
