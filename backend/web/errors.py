"""One place that turns errors into responses people can act on."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import PermissionDeniedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN

from backend.crm.superoffice import SignInError
from backend.web.auth import sign_in_error_page
from backend.web.htmx import is_htmx
from backend.web.session_user import AdministratorRequired, SignInRequired, current_user


def sign_in_required(request: Request[Any, Any, Any], error: SignInRequired) -> Response[Any]:
    target = f"/auth/login?next={quote(error.next_path, safe='/')}"
    if is_htmx(request):
        # A fetch cannot follow the redirect to SuperOffice (another origin): let htmx navigate instead.
        return Response("", status_code=HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": target})
    return Redirect(target, status_code=HTTP_303_SEE_OTHER)


def administrator_required(request: Request[Any, Any, Any], error: AdministratorRequired) -> Template:
    return Template("pages/forbidden.html", context={"user": error.user}, status_code=HTTP_403_FORBIDDEN)


def permission_denied(request: Request[Any, Any, Any], error: PermissionDeniedException) -> Response[Any]:
    """A refused form post (CSRF): say how to recover instead of showing a bare status."""
    if "CSRF" not in str(error.detail) or "text/html" not in request.headers.get("accept", ""):
        return Response({"status_code": HTTP_403_FORBIDDEN, "detail": error.detail}, status_code=HTTP_403_FORBIDDEN)
    return Template("pages/form_expired.html", context={"user": current_user(request)}, status_code=HTTP_403_FORBIDDEN)


def bad_request(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    """A value past a page's bounds (an address or form changed by hand, a link cut short): a page that says so to a
    browser, Litestar's usual JSON to anything else. The API and the web panel answer in their own words."""
    problems = error.extra if isinstance(error.extra, list) else []
    if "text/html" not in request.headers.get("accept", ""):
        return Response({"status_code": HTTP_400_BAD_REQUEST, "detail": error.detail, "extra": problems},
                        status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    fields = sorted({str(p["key"]) for p in problems if isinstance(p, dict) and p.get("key")})
    user = current_user(request)
    back = "/admin/video-meetings" if user is not None and user.is_administrator else "/"
    context = {"user": user, "fields": fields, "back": back}
    return Template("pages/bad_request.html", context=context, status_code=HTTP_400_BAD_REQUEST)


HANDLERS: dict[type[Exception], Any] = {
    PermissionDeniedException: permission_denied,
    ValidationException: bad_request,
    SignInRequired: sign_in_required,
    AdministratorRequired: administrator_required,
    SignInError: sign_in_error_page,
}
