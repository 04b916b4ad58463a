"""Callbacks: "please call me" becomes a window for the phone team, a feed and a webhook."""

from atdesk.integrations.callbacks.dialer import CallbackEventType, dialer_event
from atdesk.integrations.callbacks.windows import (
    DEFAULT_HOURS,
    BusinessHours,
    CallbackWindow,
    next_business_window,
    resolve_callback_window,
)

__all__ = [
    "DEFAULT_HOURS",
    "BusinessHours",
    "CallbackEventType",
    "CallbackWindow",
    "dialer_event",
    "next_business_window",
    "resolve_callback_window",
]
