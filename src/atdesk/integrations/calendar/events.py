"""Calendar events for callbacks and appointments, with stable UIDs so updates replace them."""

from __future__ import annotations

from datetime import datetime

from atdesk.integrations.calendar.ical import CalendarEvent, EventStatus


def callback_event(
    *,
    callback_id: str,
    start: datetime,
    end: datetime,
    customer: str,
    reason: str,
    sequence: int = 0,
    cancelled: bool = False,
    case_url: str | None = None,
    domain: str = "atdesk",
) -> CalendarEvent:
    """A callback window for the dialer's feed; `customer` is a name for agents, not a handle."""
    return CalendarEvent(
        uid=f"callback-{callback_id}@{domain}",
        start=start,
        end=end,
        summary=f"Call back {customer}",
        description=reason,
        status=EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED,
        sequence=sequence,
        url=case_url,
        categories=("callback",),
    )


def appointment_event(
    *,
    appointment_id: str,
    start: datetime,
    end: datetime,
    kind: str,
    resource: str,
    customer: str,
    location: str | None = None,
    notes: str = "",
    sequence: int = 0,
    status: EventStatus = EventStatus.CONFIRMED,
    domain: str = "atdesk",
) -> CalendarEvent:
    """An appointment; after a reschedule pass the same id with `sequence` one higher."""
    return CalendarEvent(
        uid=f"appointment-{appointment_id}@{domain}",
        start=start,
        end=end,
        summary=f"{kind.capitalize()}: {customer} with {resource}",
        description=notes,
        status=status,
        sequence=sequence,
        location=location,
        categories=("appointment", kind),
    )
