"""``/healthz``: is this instance able to serve (can it reach its database)?"""

from __future__ import annotations

import asyncio
import logging

from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from backend.db import check_database

log = logging.getLogger(__name__)

DATABASE_CHECK_TIMEOUT_SECONDS = 5.0


@get("/healthz", exclude_from_auth=True, cache=False)
async def healthz(state: State) -> Response[dict[str, str]]:
    """200 when the database answers, 503 with the reason's kind (never its details) when it does not."""
    try:
        await asyncio.wait_for(check_database(state.engine), DATABASE_CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure to reach the database makes the instance unhealthy
        log.warning("health check: database unavailable (%s)", type(error).__name__)
        body = {"status": "unavailable", "database": "unreachable", "error": type(error).__name__}
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok", "database": "ok"}, status_code=HTTP_200_OK)
