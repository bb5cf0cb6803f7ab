"""How Microsoft says no: the identity platform's AADSTS bodies, Graph's error objects, and the armed faults of both.

Identity platform (token endpoint)::

    {"error": "invalid_grant", "error_description": "AADSTS70008: ...\\r\\nTrace ID: ...\\r\\nCorrelation ID: ...
    \\r\\nTimestamp: ...", "error_codes": [70008], "timestamp": ..., "trace_id": ..., "correlation_id": ...,
    "error_uri": ...}

Graph: ``{"error": {"code": "NotFound", "message": ..., "innerError": {"date", "request-id", "client-request-id"}}}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State

from backend.sandbox.faults import FaultKind, Target

PROVIDER = "microsoft"


AADSTS = {
    50011: "The redirect URI specified in the request does not match the redirect URIs configured for the application."
    " Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.",
    50058: "A silent sign-in request was sent but no user is signed in.",
    50173: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have"
    " changed or reset their password, or removed the application's access.",
    54005: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing"
    " refresh token.",
    65001: "The user or administrator has not consented to use the application. Send an interactive authorization"
    " request for this user and resource.",
    65004: "User declined to consent to access the app.",
    70000: "The provided value for the 'code' parameter is not valid.",
    70003: "The app requested an unsupported grant type.",
    70008: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive"
    " authorization request for this user and resource.",
    90002: "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct"
    " cloud.",
    90033: "A transient error has occurred. Please try again.",
    90055: "There are too many incoming requests. Please try again later.",
    500112: "The reply address does not match the reply address provided when requesting the authorization code.",
    501481: "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    700016: "Application was not found in the directory. This can happen if the application has not been installed by"
    " the administrator of the tenant or consented to by any user in the tenant. You may have sent your"
    " authentication request to the wrong tenant.",
    700054: "The response_type is not enabled for the application.",
    700082: "The refresh token has expired due to inactivity. The token was inactive for 90 days.",
    900144: "The request body must contain a required parameter.",
    7000215: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value,"
    " not the client secret ID.",
    7000218: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    9002313: "Invalid request. Request is malformed or invalid.",
}
"""The codes this emulator answers with, in Microsoft's words (shown at ``error_uri``)."""


class IdentityError(Exception):
    """An OAuth error of the token endpoint, with its AADSTS number (and text, when more specific than the table's)."""

    def __init__(
        self,
        status_code: int,
        error: str,
        aadsts: int,
        text: str = "",
        *,
        suberror: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.text = text or AADSTS[aadsts]
        super().__init__(f"AADSTS{aadsts}: {self.text}")
        self.status_code, self.error, self.aadsts = status_code, error, aadsts
        self.suberror, self.headers = suberror, headers or {}


def identity_error_response(request: Request[Any, Any, Any], error: IdentityError) -> Response[Any]:
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    timestamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, Any] = {
        "error": error.error,
        "error_description": f"AADSTS{error.aadsts}: {error.text}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}",
        "error_codes": [error.aadsts],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{request.app.state.config.public_url}/microsoft/login/error?code={error.aadsts}",
    }
    if error.suberror:
        body["suberror"] = error.suberror
    return Response(body, status_code=error.status_code, headers=error.headers)


class GraphError(Exception):
    """An error of Microsoft Graph: the HTTP status and Graph's ``error.code``."""

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message, self.headers = status_code, code, message, headers or {}


def graph_error_response(request: Request[Any, Any, Any], error: GraphError) -> Response[Any]:
    request_id = str(uuid.uuid4())
    client_request_id = request.headers.get("client-request-id") or request_id
    inner = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    return Response(
        {"error": {"code": error.code, "message": error.message, "innerError": inner}},
        status_code=error.status_code,
        headers={"request-id": request_id, "client-request-id": client_request_id, **error.headers},
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {IdentityError: identity_error_response, GraphError: graph_error_response}


async def graph_fault(request: Request[Any, Any, Any], state: State) -> None:
    """Raise the Graph error armed for this call, if any (after hanging, for HANG)."""
    fault = state.faults.take(PROVIDER, Target.API)
    if fault is None:
        return
    retry_after = {"Retry-After": str(fault.retry_after_seconds)}
    if fault.kind in (FaultKind.RATE_LIMITED, FaultKind.DAILY_LIMIT):
        raise GraphError(429, "TooManyRequests", "Too many requests. Retry after the time in Retry-After.", retry_after)
    if fault.kind is FaultKind.INVALID_GRANT:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
    if fault.kind is FaultKind.HANG:
        await state.faults.hang(request.receive)
    raise GraphError(503, "ServiceUnavailable", "The service is temporarily unavailable. Try again later.", retry_after)


async def token_fault(request: Request[Any, Any, Any], state: State) -> None:
    """Raise the token endpoint's error armed for this refresh, if any (after hanging, for HANG)."""
    fault = state.faults.take(PROVIDER, Target.TOKEN)
    if fault is None:
        return
    if fault.kind is FaultKind.INVALID_GRANT:
        raise IdentityError(400, "invalid_grant", 70008)
    if fault.kind is FaultKind.CONSENT_REQUIRED:  # the tenant's consent was withdrawn (see FaultKind)
        raise IdentityError(400, "invalid_grant", 65001, suberror="consent_required")
    if fault.kind in (FaultKind.RATE_LIMITED, FaultKind.DAILY_LIMIT):
        retry_after = {"Retry-After": str(fault.retry_after_seconds)}
        raise IdentityError(429, "temporarily_unavailable", 90055, headers=retry_after)
    if fault.kind is FaultKind.HANG:
        await state.faults.hang(request.receive)
    raise IdentityError(500, "temporarily_unavailable", 90033)
