"""iCalendar feeds of a brand's callbacks (for a dialer) and appointments (for technicians).

Calendar apps cannot log in, so each feed URL carries a key: an HMAC of the feed's name with
ATDESK_SECRET_KEY. Changing the secret key revokes every feed URL at once.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atdesk.integrations.calendar import (
    EventStatus,
    appointment_event,
    callback_event,
    render_calendar,
)
from atdesk.models import Appointment, Brand, Callback, Customer

KINDS = ("callbacks", "appointments")
KEEP_CLOSED = timedelta(days=7)


def feed_key(secret_key: str, kind: str, brand_id: int) -> str:
    """The key that opens one brand's feed of one kind."""
    message = f"atdesk.feed.v1:{kind}:{brand_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def check_key(secret_key: str, kind: str, brand_id: int, key: str) -> bool:
    """Whether `key` opens this feed (constant-time)."""
    # Bytes: compare_digest refuses str with non-ASCII characters (a 500 for `?key=é`).
    given = key.encode("utf-8", "surrogatepass")
    return kind in KINDS and hmac.compare_digest(
        feed_key(secret_key, kind, brand_id).encode(), given
    )


def feed_path(secret_key: str, kind: str, brand_id: int) -> str:
    """The feed's path with its key, for the pages that show it to staff."""
    return f"/feeds/{brand_id}/{kind}.ics?key={feed_key(secret_key, kind, brand_id)}"


def callbacks_feed(session: Session, brand: Brand, *, now: datetime, case_url: str = "") -> str:
    """Open callbacks, and those closed in the last week as cancelled (so dialers drop them)."""
    rows = session.scalars(
        select(Callback)
        .where(
            Callback.brand_id == brand.id,
            Callback.status != "awaiting_verification",
            or_(
                Callback.status.in_(("queued", "claimed")),
                Callback.updated_at >= now - KEEP_CLOSED,
            ),
        )
        .order_by(Callback.window_start, Callback.id)
    ).all()
    names = _names(session, {r.customer_id for r in rows if r.customer_id})
    events = [
        callback_event(
            callback_id=str(r.id),
            start=r.window_start,
            end=r.window_end,
            customer=names.get(r.customer_id or -1, "customer"),
            reason=r.reason,
            sequence=r.revision,
            cancelled=r.status not in ("queued", "claimed"),
            case_url=f"{case_url.rstrip('/')}/cases/{r.case_id}"
            if case_url and r.case_id
            else None,
        )
        for r in rows
    ]
    return render_calendar(events, now=now, name=f"{brand.name} callbacks")


def appointments_feed(session: Session, brand: Brand, *, now: datetime) -> str:
    """Visits from a week ago onwards; cancelled ones stay, marked, so calendars drop them."""
    rows = session.scalars(
        select(Appointment)
        .where(Appointment.brand_id == brand.id, Appointment.end_at >= now - KEEP_CLOSED)
        .order_by(Appointment.start_at, Appointment.id)
    ).all()
    names = _names(session, {r.customer_id for r in rows})
    events = [
        appointment_event(
            appointment_id=str(r.id),
            start=r.start_at,
            end=r.end_at,
            kind=r.kind,
            resource=r.resource.name,
            customer=names.get(r.customer_id, "customer"),
            location=r.location,
            notes=r.notes,
            sequence=r.sequence,
            status=EventStatus.CANCELLED if r.status == "cancelled" else EventStatus.CONFIRMED,
        )
        for r in rows
    ]
    return render_calendar(events, now=now, name=f"{brand.name} appointments")


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        c.id: c.name or f"customer {c.id}"
        for c in session.scalars(select(Customer).where(Customer.id.in_(sorted(ids))))
    }
