"""Reading callback requests for pages, the API and the dialer's iCalendar feed, by brand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.automations.callbacks.schemas import CallbackOut
from atdesk.customers.queries import customer_names, customers_by_id
from atdesk.customers.schemas import CustomerRef
from atdesk.integrations.calendar import (
    callback_event,
    render_calendar,
)
from atdesk.integrations.calendar.feeds import KEEP_CLOSED
from atdesk.models import (
    Brand,
    Callback,
    User,
)


def list_callbacks(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    brand_id: int | None = None,
    statuses: Sequence[str] = (),
    limit: int = 200,
    offset: int = 0,
) -> list[Callback]:
    """Callbacks by window, soonest first."""
    query = restrict(select(Callback), brand_ids, Callback.brand_id)
    if brand_id is not None:
        query = query.where(Callback.brand_id == brand_id)
    if statuses:
        query = query.where(Callback.status.in_(list(statuses)))
    query = query.order_by(Callback.window_start, Callback.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def callbacks_out(session: Session, rows: Sequence[Callback]) -> list[CallbackOut]:
    """The API view of callbacks, with who they are for and who holds them."""
    customers = customers_by_id(session, {r.customer_id for r in rows if r.customer_id})
    users = {
        u.id: u.username
        for u in session.scalars(
            select(User).where(User.id.in_(sorted({r.claimed_by_id or -1 for r in rows})))
        )
    }
    out = []
    for r in rows:
        customer = customers.get(r.customer_id or -1)
        out.append(
            CallbackOut(
                id=r.id,
                brand_id=r.brand_id,
                case_id=r.case_id,
                customer=CustomerRef(id=customer.id, name=customer.name) if customer else None,
                status=r.status,
                reason=r.reason,
                window_start=r.window_start,
                window_end=r.window_end,
                window_requested=r.window_requested,
                window_phrase=r.window_phrase,
                claimed_by=users.get(r.claimed_by_id or -1),
                outcome=r.outcome,
                call_attempts=r.call_attempts,
                revision=r.revision,
                created_at=r.created_at,
                completed_at=r.completed_at,
            )
        )
    return out


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
    names = customer_names(session, {r.customer_id for r in rows if r.customer_id})
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
