"""Calling a provider: bounded retries, Retry-After honoured, and failures turned into ProviderError.

What is retried: 429 when the provider asks for a short wait, and 5xx or a timeout when repeating the request is
safe (reads, PATCH, DELETE; a create only when the provider says it did nothing, i.e. 429 or 503).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from backend.metrics import PROVIDER_CALL_SECONDS, PROVIDER_CALLS, provider_outcome
from backend.providers.base import ErrorKind, Grant, ProviderError

MAX_ATTEMPTS = 3
LONGEST_WAIT_SECONDS = 5.0
"""A longer Retry-After is not waited out inside a request: the user is told when to try again."""
NOTHING_DONE = {429, 503}


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds, or as a moment (HTTP date, or Zoom's ISO timestamp for its daily limit)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    now = now or datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def failure(provider_name: str, response: httpx.Response) -> ProviderError:
    """The ProviderError for a 429 or 5xx answer."""
    if response.status_code == 429:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        when = "in a minute" if wait is None or wait < 90 else f"in about {round(wait / 60)} minutes"
        return ProviderError(
            ErrorKind.RATE_LIMITED,
            f"{provider_name} is handling too many requests right now. Try again {when}.",
            retry_after_seconds=wait,
            detail={"status": 429},
        )
    return ProviderError(
        ErrorKind.UNAVAILABLE,
        f"{provider_name} is not answering properly right now. Try again in a moment.",
        detail={"status": response.status_code},
    )


def _should_retry(idempotent: bool) -> Callable[[BaseException], bool]:
    def decide(error: BaseException) -> bool:
        if not isinstance(error, ProviderError):
            return False
        status = error.detail.get("status")
        if error.kind is ErrorKind.RATE_LIMITED:
            return error.retry_after_seconds is None or error.retry_after_seconds <= LONGEST_WAIT_SECONDS
        if error.kind is ErrorKind.UNAVAILABLE:
            return idempotent or status in NOTHING_DONE
        return False

    return decide


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, ProviderError) and error.retry_after_seconds is not None:
        return min(error.retry_after_seconds, LONGEST_WAIT_SECONDS)
    # 0.2 s, then 0.4 s, each with up to 0.2 s of jitter: a person is waiting on the click.
    return wait_exponential_jitter(multiplier=0.2, max=2.0, jitter=0.2)(state)


async def call(
    provider_name: str, send: Callable[[], Awaitable[httpx.Response]], *, idempotent: bool
) -> httpx.Response:
    """Send (again, when it is safe and useful) until the provider answers with something other than 429/5xx."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(MAX_ATTEMPTS),
        wait=_wait,
        retry=retry_if_exception(_should_retry(idempotent)),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            started = time.perf_counter()
            try:
                response = await send()
            except httpx.TimeoutException as error:
                _counted(provider_name, started, None, "timeout")
                raise ProviderError(
                    ErrorKind.UNAVAILABLE,
                    f"{provider_name} did not answer in time. Try again in a moment.",
                    detail={"timeout": True},
                ) from error
            except httpx.TransportError as error:
                _counted(provider_name, started, None, "unreachable")
                raise ProviderError(
                    ErrorKind.UNAVAILABLE,
                    f"{provider_name} could not be reached. Check the network and try again.",
                    detail={"transport": type(error).__name__},
                ) from error
            _counted(provider_name, started, response.status_code)
            if response.status_code == 429 or response.status_code >= 500:
                raise failure(provider_name, response)
            return response
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover


def _counted(provider_name: str, started: float, status_code: int | None, error: str | None = None) -> None:
    PROVIDER_CALLS.labels(provider_name, provider_outcome(status_code, error)).inc()
    PROVIDER_CALL_SECONDS.labels(provider_name).observe(time.perf_counter() - started)


async def bearer_call(
    provider_name: str,
    http: httpx.AsyncClient,
    method: str,
    url: str,
    access_token: str,
    *,
    refused: Callable[[httpx.Response], ProviderError],
    json: Any = None,
    idempotent: bool = True,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An API call with the user's access token (see :func:`call`); a 4xx answer raises ``refused(response)``."""
    headers = {**(headers or {}), "Authorization": f"Bearer {access_token}"}
    response = await call(
        provider_name, lambda: http.request(method, url, json=json, headers=headers), idempotent=idempotent
    )
    if response.status_code >= 400:
        raise refused(response)
    return response


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object; empty when the body is not one (providers' error pages, empty bodies)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def grant_from(body: dict[str, Any]) -> Grant:
    """The Grant in an OAuth token endpoint's answer (RFC 6749 section 5.1); no refresh token when none came."""
    return Grant(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token"),
        expires_at=datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 3599))),
        scope=str(body.get("scope", "")),
    )
