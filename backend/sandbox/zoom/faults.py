"""How Zoom answers when it is overloaded or failing (armed with the sandbox's fault switches)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response
from litestar.status_codes import HTTP_401_UNAUTHORIZED, HTTP_429_TOO_MANY_REQUESTS, HTTP_500_INTERNAL_SERVER_ERROR

from backend.sandbox.faults import Fault, FaultKind


async def fault_response(request: Request[Any, Any, Any], fault: Fault) -> Response[Any]:
    if fault.kind is FaultKind.HANG:
        await request.app.state.faults.hang(request.receive)
    if fault.kind is FaultKind.INVALID_GRANT:
        # At the API: the access token is refused as an expired one is (401, code 124: notes/zoom-contracts.md).
        return Response({"code": 124, "message": "Access token is expired."}, status_code=HTTP_401_UNAUTHORIZED)
    if fault.kind is FaultKind.RATE_LIMITED:
        return Response(
            {
                "code": 429,
                "message": "You have reached the maximum per-second rate limit for this API. Try again later.",
            },
            status_code=HTTP_429_TOO_MANY_REQUESTS,
            headers={
                "Retry-After": str(fault.retry_after_seconds),
                "X-RateLimit-Category": "Medium",
                "X-RateLimit-Type": "QPS",
            },
        )
    if fault.kind is FaultKind.DAILY_LIMIT:
        # Zoom's daily limit names the moment the limit resets, not a number of seconds.
        reset = datetime.now(UTC) + timedelta(seconds=fault.retry_after_seconds)
        return Response(
            {"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
            status_code=HTTP_429_TOO_MANY_REQUESTS,
            headers={
                "Retry-After": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "X-RateLimit-Type": "Daily-limit",
                "X-RateLimit-Remaining": "0",
            },
        )
    return Response(
        {"code": 500, "message": "Internal server error, please try again later."},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )
