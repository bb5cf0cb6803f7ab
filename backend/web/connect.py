"""Authorizing a video provider, for the company (an administrator) or for oneself (a user's first meeting).

One pair of handlers for every provider: the start sends the browser to the provider with PKCE and a signed
``state`` bound to this session, tenant and purpose; ``/connect/{provider}/callback`` takes it back.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from authlib.common.security import generate_token
from itsdangerous import BadSignature, URLSafeTimedSerializer
from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT, HTTP_502_BAD_GATEWAY

from backend.models import ProviderKind
from backend.providers.base import ErrorKind, ProviderError, VideoProvider
from backend.providers.catalogue import display_name
from backend.security import derive_key
from backend.services.configuration import ConfigurationError, connect_company
from backend.services.connections import active_company_provider, connect_user
from backend.settings import Settings
from backend.web.dependencies import AppSettings, Cipher, DbSession, Providers
from backend.web.session_user import SignedInUser, current_user, require_fresh_sign_in

PENDING_KEY = "connect"
LIFETIME_SECONDS = 600
COMPANY, USER = "company", "user"


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(derive_key(settings.secret, "provider connect state").hex(), salt="connect")


def begin_authorization(
    request: Request[Any, Any, Any], settings: Settings, adapter: VideoProvider, *, purpose: str, user: SignedInUser
) -> Redirect:
    """Remember what is being authorized in the session and send the browser to the provider."""
    nonce, verifier = generate_token(24), generate_token(64)
    session = dict(request.session or {})
    session[PENDING_KEY] = {
        "provider": adapter.kind.value,
        "purpose": purpose,
        "nonce": nonce,
        "verifier": verifier,
        "tenant_id": user.tenant_id,
        "associate_id": user.associate_id,
        "expires": time.time() + LIFETIME_SECONDS,
    }
    request.set_session(session)
    state = _signer(settings).dumps({"n": nonce, "p": purpose, "t": user.tenant_id})
    url = adapter.authorization_url(
        redirect_uri=settings.connect_callback_url(adapter.kind.value), state=state, code_verifier=verifier
    )
    return Redirect(url, status_code=HTTP_303_SEE_OTHER)


def _result(user: SignedInUser | None, *, title: str, message: str, status_code: int, **extra: Any) -> Template:
    context = {"user": user, "title": title, "message": message, **extra}
    return Template("pages/connect_result.html", context=context, status_code=status_code)


@get("/connect", guards=[require_fresh_sign_in])
async def connect_yourself(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, providers: Providers
) -> Redirect | Template:
    """A user's first video meeting: authorize the company's provider for your own account."""
    user = current_user(request)
    assert user is not None
    try:
        company = await active_company_provider(db_session, user.tenant_id, user.company_name)
    except ConfigurationError as error:
        return _result(user, title="Video meetings are not set up", message=str(error), status_code=HTTP_409_CONFLICT)
    adapter = providers.get(ProviderKind(company.provider))
    if adapter is None:
        message = f"{display_name(company.provider)} is not available on this server. Tell your administrator."
        return _result(user, title="Provider not available", message=message, status_code=HTTP_409_CONFLICT)
    return begin_authorization(request, settings, adapter, purpose=USER, user=user)


def _take_pending(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    session = dict(request.session or {})
    pending = session.pop(PENDING_KEY, None)
    request.set_session(session)
    if not isinstance(pending, dict) or pending.get("expires", 0) < time.time():
        return None
    return pending


def _state_matches(settings: Settings, state: str | None, pending: dict[str, Any]) -> bool:
    try:
        signed = _signer(settings).loads(state or "", max_age=LIFETIME_SECONDS)
    except BadSignature:
        return False
    return (
        isinstance(signed, dict)
        and secrets.compare_digest(str(signed.get("n", "")), pending["nonce"])
        and signed.get("p") == pending["purpose"]
        and signed.get("t") == pending["tenant_id"]
    )


@get("/connect/{provider:str}/callback")
async def callback(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    db_session: DbSession,
    settings: AppSettings,
    providers: Providers,
    cipher: Cipher,
) -> Redirect | Template:
    user = current_user(request)
    pending = _take_pending(request)
    name = display_name(provider)
    expired = "This authorization has expired or was started in another browser. Start again where you began."
    if pending is None or pending["provider"] != provider or user is None:
        return _result(user, title="Please start again", message=expired, status_code=HTTP_400_BAD_REQUEST)
    query = request.query_params
    if not _state_matches(settings, query.get("state"), pending) or (
        user.tenant_id,
        user.associate_id,
    ) != (pending["tenant_id"], pending["associate_id"]):
        return _result(user, title="Please start again", message=expired, status_code=HTTP_400_BAD_REQUEST)
    if query.get("error"):
        message = (
            f"{name} was not authorized ({query.get('error')}). Meetings for SuperOffice needs that permission to "
            "create meetings for you; start again and choose Allow."
        )
        return _result(user, title=f"{name} was not connected", message=message, status_code=HTTP_400_BAD_REQUEST)
    adapter = providers.get(ProviderKind(provider)) if provider in ProviderKind._value2member_map_ else None
    if adapter is None or not query.get("code"):
        return _result(user, title="Please start again", message=expired, status_code=HTTP_400_BAD_REQUEST)
    try:
        grant = await adapter.exchange_code(
            code=query["code"], redirect_uri=settings.connect_callback_url(provider), code_verifier=pending["verifier"]
        )
        if not grant.refresh_token:
            message = (
                f"{name} gave only short-lived access (no refresh token), so meetings would stop working within "
                f"an hour. Start again and choose Allow on {name}'s consent page; if this keeps happening, the "
                f"{name} app's registration must allow offline access (a refresh token) for Meetings for SuperOffice."
            )
            return _result(user, title=f"{name} was not connected", message=message, status_code=HTTP_400_BAD_REQUEST)
        account = await adapter.who_am_i(grant.access_token)
    except ProviderError as error:
        status = HTTP_400_BAD_REQUEST if error.kind is ErrorKind.REJECTED else HTTP_502_BAD_GATEWAY
        return _result(user, title=f"{name} was not connected", message=str(error), status_code=status)
    try:
        if pending["purpose"] == COMPANY:
            if not user.is_administrator or user.tenant_id is None:
                message = "Only a SuperOffice administrator can connect the company's provider."
                return _result(user, title="Administrators only", message=message, status_code=HTTP_400_BAD_REQUEST)
            await connect_company(db_session, tenant_id=user.tenant_id, provider=adapter, grant=grant,
                                  account=account, admin=user.actor(), cipher=cipher)  # fmt: skip
            return Redirect("/admin/video-meetings", status_code=HTTP_303_SEE_OTHER)
        assert user.tenant_id is not None
        await connect_user(db_session, tenant_id=user.tenant_id, associate_id=user.associate_id, provider=adapter,
                           grant=grant, account=account, cipher=cipher, user=user.actor_as_user(),
                           company_name=user.company_name, crm_name=user.name)  # fmt: skip
    except ConfigurationError as error:
        return _result(user, title=f"{name} was not connected", message=str(error), status_code=HTTP_409_CONFLICT)
    message = f"Your {name} account {account.email} is connected. You can close this window and add your meeting."
    return _result(user, title=f"{name} is connected", message=message, status_code=200, connected=provider)


ROUTES = [connect_yourself, callback]
