"""iCalendar feeds for callback windows and appointments (RFC 5545)."""

from atdesk.integrations.calendar.events import appointment_event, callback_event
from atdesk.integrations.calendar.ical import (
    CalendarEvent,
    EventStatus,
    escape_text,
    fold_line,
    format_utc,
    render_calendar,
)

__all__ = [
    "CalendarEvent",
    "EventStatus",
    "appointment_event",
    "callback_event",
    "escape_text",
    "fold_line",
    "format_utc",
    "render_calendar",
]
