"""``/healthz``: is this instance alive (can it reach its database)? ``/readyz``: should it be sent work now (its
database, its session store and its job worker, each said by name)?"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from backend.db import check_database
from backend.web.sessions import SESSION_STORE

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 5.0


@get("/healthz", exclude_from_auth=True, cache=False)
async def healthz(state: State) -> Response[dict[str, str]]:
    """200 when the database answers, 503 with the reason's kind (never its details) when it does not."""
    if failure := await _failure(check_database(state.engine), "database"):
        body = {"status": "unavailable", "database": "unreachable", "error": failure}
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok", "database": "ok"}, status_code=HTTP_200_OK)


@get("/readyz", exclude_from_auth=True, cache=False)
async def readyz(state: State, request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """200 when the database and the session store answer and the job worker runs; 503 naming what does not (the
    kind of failure, never its details), so a load balancer sends no one to an instance that cannot serve them."""
    database = await _failure(check_database(state.engine), "database")
    sessions = await _failure(request.app.stores.get(SESSION_STORE).exists("readyz"), "session store")
    parts = {
        "database": "unreachable" if database else "ok",
        "sessions": "unreachable" if sessions else "ok",
        "jobs": "running" if _running(state) else "stopped",
    }
    ready = parts["database"] == parts["sessions"] == "ok" and parts["jobs"] == "running"
    return Response({"status": "ready" if ready else "not ready", **parts},
                    status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE)  # fmt: skip


async def _failure(check: Awaitable[object], what: str) -> str | None:
    """The kind of failure (logged, never its details) when ``check`` does not answer in time; None when it does."""
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure to reach it makes the instance unhealthy / not ready
        log.warning("health check: %s unavailable (%s)", what, type(error).__name__)
        return type(error).__name__
    return None


def _running(state: State) -> bool:
    worker = state.get("job_worker")
    return worker is not None and not worker.done()
