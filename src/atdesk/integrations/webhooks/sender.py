"""Post one signed JSON event to a subscriber and say what happened, without ever raising.

The durable queue (owned by storage) stores the event and the attempt number, calls `deliver`,
and acts on the outcome: mark delivered, schedule the retry after N seconds, or give up and
show the subscriber's admin why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from atdesk.domain.retry import DEFAULT_POLICY, BackoffPolicy, next_retry_delay, parse_retry_after
from atdesk.integrations.webhooks.signing import SIGNATURE_HEADER, sign

EVENT_HEADER = "X-Atdesk-Event"
DELIVERY_HEADER = "X-Atdesk-Delivery"
USER_AGENT = "atdesk-webhooks/1"
DEFAULT_TIMEOUT_S = 10.0

# Answers that will never turn into a success by sending the same bytes again.
_PERMANENT = frozenset({400, 404, 405, 410, 413, 415, 422})


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One event for subscribers; `id` is stable across retries so receivers can deduplicate."""

    id: str
    type: str
    created_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)

    def body(self) -> bytes:
        """The exact bytes that are signed and sent; stable for the same event."""
        document = {
            "id": self.id,
            "type": self.type,
            "created_at": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()


@dataclass(frozen=True, slots=True)
class Delivered:
    """The subscriber answered 2xx."""

    status_code: int


@dataclass(frozen=True, slots=True)
class RetryLater:
    """A transient failure; try again after `after_s` seconds with attempt + 1."""

    after_s: float
    reason: str
    status_code: int | None = None


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop: the endpoint refuses this event for good, or every attempt is used up."""

    reason: str
    status_code: int | None = None


DeliveryOutcome = Delivered | RetryLater | GiveUp


def deliver(
    url: str,
    event: WebhookEvent,
    *,
    secret: str | bytes,
    attempt: int,
    http: httpx.Client,
    now: datetime | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    policy: BackoffPolicy = DEFAULT_POLICY,
) -> DeliveryOutcome:
    """Send `event` (try number `attempt`, from 1) to `url`, signed with `secret`."""
    moment = now or datetime.now(UTC)
    body = event.body()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event.type,
        DELIVERY_HEADER: event.id,
        SIGNATURE_HEADER: sign(body, secret, now=moment),
    }
    try:
        response = http.post(
            url, content=body, headers=headers, timeout=timeout_s, follow_redirects=False
        )
    except httpx.TimeoutException:
        return _retry(attempt, policy, f"no answer within {timeout_s:g}s", None, None)
    except httpx.RequestError as exc:
        return _retry(attempt, policy, f"could not connect ({exc})", None, None)
    status = response.status_code
    if 200 <= status < 300:
        return Delivered(status_code=status)
    if 300 <= status < 400:
        moved = response.headers.get("Location", "elsewhere")
        return GiveUp(f"the endpoint redirects to {moved}; update the webhook URL", status)
    if status in _PERMANENT:
        return GiveUp(f"the endpoint refused the event with {status}; fix the receiver", status)
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now=moment)
    return _retry(attempt, policy, f"the endpoint answered {status}", status, retry_after)


def _retry(
    attempt: int,
    policy: BackoffPolicy,
    reason: str,
    status: int | None,
    retry_after: float | None,
) -> DeliveryOutcome:
    delay = next_retry_delay(attempt, policy, retry_after_s=retry_after)
    if delay is None:
        return GiveUp(f"{reason}; gave up after {attempt} attempts", status)
    return RetryLater(after_s=delay, reason=reason, status_code=status)
