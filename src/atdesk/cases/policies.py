"""Admins set a brand's SLA targets, opening hours and holidays; open cases follow at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.cases.calendar import BusinessHours, CalendarError, week_from_json, week_to_json
from atdesk.cases.queries import OPEN_STATUSES
from atdesk.cases.service import recompute_clocks
from atdesk.cases.sla import DEFAULT_TARGETS, Targets
from atdesk.domain.errors import AppError
from atdesk.domain.triage import Priority
from atdesk.models import Brand, BusinessCalendar, Case, Holiday, SlaPolicy, User

RECOMPUTE_BATCH = 500


class PolicyError(AppError):
    """An SLA setting that cannot be saved, with what to fix."""


def brand_targets(session: Session, brand_id: int) -> dict[str, Targets]:
    """The brand's targets per priority, defaults filled in."""
    out = dict(DEFAULT_TARGETS)
    for policy in session.scalars(select(SlaPolicy).where(SlaPolicy.brand_id == brand_id)):
        out[policy.priority] = Targets(
            policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes
        )
    return out


def set_targets(
    session: Session,
    brand: Brand,
    targets: Mapping[str, Targets],
    *,
    actor: User | str,
) -> None:
    """Save targets (business minutes) for some priorities of a brand."""
    for priority, t in targets.items():
        if priority not in {p.value for p in Priority}:
            raise PolicyError(f"unknown priority {priority!r}")
        if min(t.first_response, t.next_response, t.resolution) <= 0:
            raise PolicyError(f"{priority}: every target must be at least one minute")
        if t.resolution < t.first_response:
            raise PolicyError(f"{priority}: resolution cannot come before the first response")
    before = _as_lists(brand_targets(session, brand.id))
    existing = {
        p.priority: p
        for p in session.scalars(select(SlaPolicy).where(SlaPolicy.brand_id == brand.id))
    }
    for priority, t in targets.items():
        row = existing.get(priority) or SlaPolicy(brand_id=brand.id, priority=priority)
        row.first_response_minutes = t.first_response
        row.next_response_minutes = t.next_response
        row.resolution_minutes = t.resolution
        session.add(row)
    session.flush()
    after = _as_lists(brand_targets(session, brand.id))
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.sla_targets",
        actor=actor,
        before=before,
        after=after,
    )
    recompute_open_cases(session, brand.id)


def _as_lists(targets: Mapping[str, Targets]) -> dict[str, list[int]]:
    return {k: [v.first_response, v.next_response, v.resolution] for k, v in targets.items()}


def brand_hours(session: Session, brand_id: int) -> BusinessHours:
    """The brand's calendar (24/7 in UTC when none is set)."""
    calendar = session.get(BusinessCalendar, brand_id)
    holidays = frozenset(session.scalars(select(Holiday.day).where(Holiday.brand_id == brand_id)))
    if calendar is None:
        return BusinessHours(holidays=holidays)
    return BusinessHours(calendar.timezone, week_from_json(calendar.week), holidays)


def set_hours(
    session: Session,
    brand: Brand,
    *,
    timezone: str,
    week: Mapping[str, Sequence[Sequence[str]]],
    actor: User | str,
) -> None:
    """Save the brand's opening hours; checked before anything is stored."""
    try:
        parsed = week_from_json(week)
        BusinessHours(timezone, parsed).zone  # noqa: B018 (validates the zone name)
    except CalendarError as exc:
        raise PolicyError(str(exc)) from None
    calendar = session.get(BusinessCalendar, brand.id)
    before = {"timezone": calendar.timezone, "week": calendar.week} if calendar else {}
    if calendar is None:
        calendar = BusinessCalendar(brand_id=brand.id)
        session.add(calendar)
    calendar.timezone = timezone
    calendar.week = week_to_json(parsed)
    session.flush()
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.business_hours",
        actor=actor,
        before=before,
        after={"timezone": timezone, "week": calendar.week},
    )
    recompute_open_cases(session, brand.id)


def add_holiday(
    session: Session, brand: Brand, day: date, name: str, *, actor: User | str
) -> Holiday:
    """Close the brand for one day."""
    if session.scalar(select(Holiday).where(Holiday.brand_id == brand.id, Holiday.day == day)):
        raise PolicyError(f"{day.isoformat()} is already a holiday")
    holiday = Holiday(brand_id=brand.id, day=day, name=name.strip())
    session.add(holiday)
    session.flush()
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.holiday_added",
        actor=actor,
        after={"day": day.isoformat(), "name": holiday.name},
    )
    recompute_open_cases(session, brand.id)
    return holiday


def remove_holiday(session: Session, brand: Brand, day: date, *, actor: User | str) -> None:
    """Open the brand again on a day."""
    session.execute(delete(Holiday).where(Holiday.brand_id == brand.id, Holiday.day == day))
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.holiday_removed",
        actor=actor,
        before={"day": day.isoformat()},
    )
    recompute_open_cases(session, brand.id)


def recompute_open_cases(session: Session, brand_id: int) -> int:
    """New targets or hours apply to the brand's open cases now, not only to new ones."""
    ids = list(
        session.scalars(
            select(Case.id).where(Case.brand_id == brand_id, Case.status.in_(OPEN_STATUSES))
        )
    )
    for start in range(0, len(ids), RECOMPUTE_BATCH):
        chunk = ids[start : start + RECOMPUTE_BATCH]
        recompute_clocks(session, list(session.scalars(select(Case).where(Case.id.in_(chunk)))))
    session.flush()
    return len(ids)
