"""The emulated SuperOffice's control endpoints, for people and tests (not part of SuperOffice's API).

``GET /_sandbox/superoffice/webhooks``: every tenant's registered webhooks with their state and failed cycles (secrets
left out). ``POST /_sandbox/superoffice/webhook-timing`` ``{"retry_delays": [0.05, 0.05]}``: shorter waits between
a cycle's attempts than SuperOffice's 1 s and 4 s, so a test can run nine failed cycles quickly.
``GET /_sandbox/superoffice/web-panels?context_id=Cust12345``: a tenant's web panel list items.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, JSONBody


@get("/_sandbox/superoffice/webhooks", sync_to_thread=False)
def registered_webhooks(state: State) -> list[dict[str, Any]]:
    return [
        {
            "WebhookId": webhook.webhook_id,
            "ContextIdentifier": webhook.context_id,
            "Name": webhook.name,
            "Events": list(webhook.events),
            "TargetUrl": webhook.target_url,
            "State": webhook.state,
            "ConsecutiveErrors": webhook.consecutive_errors,
        }
        for webhook in state.webhooks.everyone()
    ]


@post("/_sandbox/superoffice/webhook-timing", status_code=200, sync_to_thread=False)
def webhook_timing(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    delays = data.get("retry_delays")
    if (
        not isinstance(delays, list)
        or len(delays) != 2
        or not all(isinstance(delay, int | float) and 0 <= delay <= 10 for delay in delays)
    ):
        raise ValidationException("retry_delays must be two waits of 0 to 10 seconds.")
    state.webhook_timing.retry_delays = [float(delay) for delay in delays]
    return {"retry_delays": state.webhook_timing.retry_delays}


@get("/_sandbox/superoffice/web-panels", sync_to_thread=False)
def web_panels(state: State, context_id: FromQuery[str] = "Cust12345") -> list[dict[str, Any]]:
    """A tenant's web panel list items, deleted ones included (as ``GET List/WebPanel/Items`` has them)."""
    return state.web_panels.of_tenant(context_id)


ROUTES = [registered_webhooks, webhook_timing, web_panels]
