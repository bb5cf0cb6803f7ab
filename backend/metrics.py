"""What the service counts for Prometheus (``/metrics``): requests (Litestar's Prometheus middleware), calls to the
video providers by provider and outcome, jobs by kind and how each run ended, and token refreshes by outcome.

One set of metrics per process. With ``meetings serve --workers N`` every process writes its figures to a shared
folder (``PROMETHEUS_MULTIPROC_DIR``, set by the parent) and ``/metrics`` adds them up, whichever process answers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Counter, Histogram

PROVIDER_CALLS = Counter(
    "meetings_provider_calls_total", "Calls to video providers, each attempt once, by how it ended",
    ["provider", "outcome"],
)  # fmt: skip
PROVIDER_CALL_SECONDS = Histogram(
    "meetings_provider_call_seconds", "How long a call to a video provider took (each attempt)", ["provider"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)  # fmt: skip
JOB_RUNS = Counter(
    "meetings_job_runs_total", "Background job runs by kind and how each ended (done, retry, failed)",
    ["kind", "outcome"],
)  # fmt: skip
TOKEN_REFRESHES = Counter(
    "meetings_token_refreshes_total", "Refreshes of users' provider tokens by provider and outcome "
    "(refreshed, grant_revoked, failed)", ["provider", "outcome"],
)  # fmt: skip


def provider_outcome(status_code: int | None, error: str | None = None) -> str:
    """``ok``, ``refused`` (4xx), ``rate_limited``, ``server_error``, or the transport failure's name."""
    if error:
        return error
    assert status_code is not None
    if status_code == 429:
        return "rate_limited"
    if status_code >= 500:
        return "server_error"
    return "refused" if status_code >= 400 else "ok"


def metrics_config() -> PrometheusConfig:
    """Litestar's request metrics (count, duration, in progress, errors by method, path template and status)."""
    return PrometheusConfig(app_name="meetings", prefix="meetings", group_path=True,
                            exclude=["/metrics", "/static"])  # fmt: skip


def metrics_controller(networks: Sequence[IPv4Network | IPv6Network]) -> type[PrometheusController]:
    """``GET /metrics`` for ``networks`` (the settings' ``MEETINGS_METRICS_FROM``) only: request counts by path are
    nobody else's business. Loopback is always allowed."""

    def scraper_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        host = connection.client.host if connection.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise PermissionDeniedException("Metrics are for the monitoring system only.") from None
        if not (address.is_loopback or any(address in network for network in networks)):
            raise PermissionDeniedException("Metrics are for the monitoring system only.")

    class Metrics(PrometheusController):
        guards = [scraper_only]
        include_in_schema = False

    return Metrics
