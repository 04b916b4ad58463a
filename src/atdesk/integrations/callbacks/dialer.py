"""The event a phone dialer receives for each callback, so every brand's dialer sees one shape.

Sent with `webhooks.deliver` (signed, retried); the same callback also appears in the
iCalendar feed (`calendar.callback_event`). The payload goes to the brand's own systems only:
it may carry the customer's phone number, which a public reply never does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from atdesk.integrations.callbacks.windows import CallbackWindow
from atdesk.integrations.webhooks.sender import WebhookEvent


class CallbackEventType(StrEnum):
    """What happened to the callback; a dialer replaces its entry by `callback_id`."""

    REQUESTED = "callback.requested"
    UPDATED = "callback.updated"
    CANCELLED = "callback.cancelled"
    COMPLETED = "callback.completed"


def dialer_event(
    *,
    event_id: str,
    event_type: CallbackEventType,
    callback_id: str,
    case_id: str,
    window: CallbackWindow,
    reason: str,
    customer_id: str | None,
    customer_name: str | None,
    phone: str | None,
    now: datetime,
) -> WebhookEvent:
    """One signed-webhook event for the dialer; `event_id` must be unique per change."""
    data: dict[str, Any] = {
        "callback_id": callback_id,
        "case_id": case_id,
        "reason": reason,
        "window": {
            "start": _utc(window.start),
            "end": _utc(window.end),
            "requested_by_customer": window.requested,
            "phrase": window.phrase,
        },
        "customer": {"id": customer_id, "name": customer_name, "phone": phone},
    }
    return WebhookEvent(id=event_id, type=event_type.value, created_at=now, data=data)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
