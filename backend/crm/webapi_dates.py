"""Dates in SuperOffice's WebAPI. Without an ``SO-TimeZone`` header they come in the tenant's base time zone with no
offset; we send ``SO-TimeZone: UTC, includeTZOffset`` with every call, so they come as UTC with an offset written
without a colon (``2018-12-24T07:34:45-0500``). Both forms are read (SuperOfficeDocs/superoffice-docs
``docs/en/api/web-services/so-timezone.md``); an offset-less date is the UTC we asked for. Empty dates are
``0001-01-01T00:00:00``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

TIME_ZONE_HEADER = {"SO-TimeZone": "UTC, includeTZOffset"}
_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def webapi_date(value: object) -> datetime | None:
    """An aware datetime, None for SuperOffice's empty date; ValueError for what is not a date."""
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    moment = datetime.fromisoformat(_OFFSET_WITHOUT_COLON.sub(r"\1:\2", value.strip()))
    if moment.year == 1:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
