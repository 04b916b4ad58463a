"""The demo's automation world: customers the brands know by handle, Cable Co's technicians
and bookings, knowledge-base articles, the city's Open311 endpoint, and the default rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.appointments.rescheduling import bookings_between, resources_of
from atdesk.automations.appointments.service import BookError, book, save_resource
from atdesk.automations.bot.service import save_article
from atdesk.automations.engine.service import install_defaults
from atdesk.automations.engine.settings import update_brand_settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.integrations.appointments.slots import SlotOffer, find_slots
from atdesk.models import Appointment, AppointmentResource, Brand, Customer, KbArticle

ACTOR = "demo"
# Where a seeded visit goes when its technician is taken: the first free start on a half-hour
# step, looking this many days ahead.
SLOT_STEP = timedelta(minutes=30)
SLOTS_PER_DAY = 48
FREE_SLOT_SEARCH_DAYS = 28


def _brands(session: Session) -> dict[str, Brand]:
    return {b.name: b for b in session.scalars(select(Brand))}


def seed_automations(
    session: Session,
    spec: Mapping[str, Any],
    *,
    brand_names: list[str],
    now: datetime,
    open311_endpoint: str | None,
    open311_api_key: str | None,
) -> None:
    """Add what is missing; running the demo twice adds nothing twice."""
    brands = _brands(session)
    tz = ZoneInfo(str(spec["timezone"]))
    for name in brand_names:
        update_brand_settings(brands[name], {"timezone": str(spec["timezone"])})
        install_defaults(session, brands[name], actor=ACTOR)
    customers = _customers(session, spec["customers"])
    technicians = _technicians(session, brands, spec)
    _appointments(session, brands, customers, technicians, spec["appointments"], now=now, tz=tz)
    _articles(session, brands, spec["articles"])
    city = spec["open311"]
    if open311_endpoint and city["brand"] in brands:
        update_brand_settings(
            brands[city["brand"]],
            {
                "open311": {"url": open311_endpoint, "api_key": open311_api_key},
                "open311_poll_s": float(city["poll_s"]),
            },
        )
    session.flush()


def _customers(session: Session, rows: list[dict[str, Any]]) -> dict[str, Customer]:
    out: dict[str, Customer] = {}
    for row in rows:
        customer = session.scalar(
            select(Customer).where(Customer.external_id == row["external_id"])
        )
        if customer is None:
            customer = create_customer(
                session,
                name=row["name"],
                email=row.get("email"),
                phone=row.get("phone"),
                external_id=row["external_id"],
                actor=ACTOR,
            )
            if row.get("x_handle"):
                link_handle(
                    session, customer, Network.X, row["x_handle"], actor=ACTOR, source="import"
                )
        out[row["external_id"]] = customer
    return out


def _technicians(
    session: Session, brands: dict[str, Brand], spec: Mapping[str, Any]
) -> dict[str, AppointmentResource]:
    out: dict[str, AppointmentResource] = {}
    for row in spec["technicians"]:
        brand = brands[row["brand"]]
        found = session.scalar(
            select(AppointmentResource).where(
                AppointmentResource.brand_id == brand.id, AppointmentResource.name == row["name"]
            )
        )
        out[row["name"]] = found or save_resource(
            session,
            brand,
            name=row["name"],
            hours=spec["technician_hours"],
            kinds=row["kinds"],
            actor=ACTOR,
        )
    return out


def _working_days(technician: AppointmentResource) -> set[int]:
    """The weekdays (0 = Monday) the technician has hours on."""
    return {int(day) for day, spans in (technician.hours or {}).items() if spans}


def _day(row: Mapping[str, Any], today: date, working: set[int]) -> date:
    """The row's day: the `business_days_ahead`-th working day after today, or the first
    `weekday` (0 = Monday) after today, what "next Friday" means to the customer."""
    if "weekday" in row:
        return today + timedelta(days=(int(row["weekday"]) - today.weekday()) % 7 or 7)
    day, left = today, int(row["business_days_ahead"])
    while left > 0:
        day += timedelta(days=1)
        if not working or day.weekday() in working:
            left -= 1
    return day


def _appointments(
    session: Session,
    brands: dict[str, Brand],
    customers: dict[str, Customer],
    technicians: dict[str, AppointmentResource],
    rows: list[dict[str, Any]],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Each customer's visit on its day from now, at its time or the technician's next free
    slot, so the demo books on any day at any hour (and again on a later run) without a clash."""
    today = now.astimezone(tz).date()
    for row in rows:
        customer = customers[row["customer"]]
        technician = technicians[row["technician"]]
        upcoming = session.scalar(
            select(Appointment.id).where(
                Appointment.customer_id == customer.id,
                Appointment.status == "booked",
                Appointment.end_at >= now,
            )
        )
        if upcoming is not None:
            continue
        day = _day(row, today, _working_days(technician))
        wanted = datetime.combine(day, time.fromisoformat(row["start"]), tz)
        duration = timedelta(hours=float(row["hours"]))
        start = _free_start(session, technician, wanted, duration, tz=tz)
        brand = next(b for b in brands.values() if b.id == technician.brand_id)
        book(
            session,
            brand=brand,
            customer=customer,
            resource=technician,
            kind=row["kind"],
            start=start,
            end=start + duration,
            actor=ACTOR,
            location=row.get("location"),
        )


def _free_start(
    session: Session,
    technician: AppointmentResource,
    wanted: datetime,
    duration: timedelta,
    *,
    tz: ZoneInfo,
) -> datetime:
    """`wanted` when the technician is free then, else the first free slot after it within
    their working hours (on that day or a later one)."""
    resource = next(
        (r for r in resources_of(session, technician.brand_id) if r.id == str(technician.id)),
        None,
    )
    if resource is None:  # inactive, or hours that do not parse: book() has the last word
        return wanted
    day = wanted.astimezone(tz).date()
    for offset in range(FREE_SLOT_SEARCH_DAYS):
        on = day + timedelta(days=offset)
        start, end = (datetime.combine(d, time(0), tz) for d in (on, on + timedelta(days=1)))
        found = find_slots(
            resources=[resource],
            bookings=bookings_between(session, technician.brand_id, start, end),
            day=on,
            tz=tz,
            duration=duration,
            not_before=wanted,
            step=SLOT_STEP,
            limit=SLOTS_PER_DAY,
        )
        if isinstance(found, SlotOffer):
            return min(o.slot.start for o in found.options)
    raise BookError(
        f"{technician.name} has no free {duration} in the {FREE_SLOT_SEARCH_DAYS} days "
        f"from {wanted:%a %d %b}; free some of their time or give them more hours"
    )


def _articles(session: Session, brands: dict[str, Brand], rows: list[dict[str, Any]]) -> None:
    for row in rows:
        brand = brands[row["brand"]]
        exists = session.scalar(
            select(KbArticle.id).where(
                KbArticle.brand_id == brand.id, KbArticle.title == row["title"]
            )
        )
        if exists is None:
            save_article(
                session,
                brand,
                title=row["title"],
                body=row["body"],
                questions="\n".join(row["questions"]),
                actor=ACTOR,
            )
