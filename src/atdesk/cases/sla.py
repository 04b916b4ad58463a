"""SLA targets per brand and priority, and the due times they put on a case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.calendar import BusinessHours, week_from_json
from atdesk.domain.cases import CaseStatus
from atdesk.domain.triage import Priority
from atdesk.models import BusinessCalendar, Case, Holiday, SlaPolicy


@dataclass(frozen=True, slots=True)
class Targets:
    """Business minutes allowed for the first reply, each later reply, and resolution."""

    first_response: int
    next_response: int
    resolution: int


DEFAULT_TARGETS: dict[str, Targets] = {
    Priority.URGENT.value: Targets(15, 30, 4 * 60),
    Priority.HIGH.value: Targets(60, 2 * 60, 8 * 60),
    Priority.NORMAL.value: Targets(4 * 60, 8 * 60, 24 * 60),
    Priority.LOW.value: Targets(8 * 60, 16 * 60, 48 * 60),
}


@dataclass(frozen=True, slots=True)
class BrandSla:
    """Everything needed to set a brand's case clocks."""

    targets: dict[str, Targets]
    hours: BusinessHours

    def for_priority(self, priority: str) -> Targets:
        """The brand's targets for a priority, falling back to the built-in defaults."""
        return self.targets.get(priority) or DEFAULT_TARGETS.get(
            priority, DEFAULT_TARGETS[Priority.NORMAL.value]
        )


@dataclass(frozen=True, slots=True)
class Clocks:
    """Due times of a case; `running` is the earliest clock still ticking (None: none)."""

    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None

    @property
    def running(self) -> datetime | None:
        """The next deadline the team can still miss."""
        due = [
            d
            for d in (self.first_response_due_at, self.next_response_due_at, self.resolution_due_at)
            if d is not None
        ]
        return min(due) if due else None


def load_brand_slas(session: Session, brand_ids: Iterable[int]) -> dict[int, BrandSla]:
    """Policies, calendars and holidays of some brands in three queries."""
    ids = sorted(set(brand_ids))
    if not ids:
        return {}
    targets: dict[int, dict[str, Targets]] = {i: {} for i in ids}
    for policy in session.scalars(select(SlaPolicy).where(SlaPolicy.brand_id.in_(ids))):
        targets[policy.brand_id][policy.priority] = Targets(
            policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes
        )
    calendars = {
        c.brand_id: c
        for c in session.scalars(select(BusinessCalendar).where(BusinessCalendar.brand_id.in_(ids)))
    }
    holidays: dict[int, set[date]] = {i: set() for i in ids}
    for holiday in session.scalars(select(Holiday).where(Holiday.brand_id.in_(ids))):
        holidays[holiday.brand_id].add(holiday.day)
    out = {}
    for brand_id in ids:
        calendar = calendars.get(brand_id)
        hours = BusinessHours(
            timezone=calendar.timezone if calendar else "UTC",
            week=week_from_json(calendar.week) if calendar else {},
            holidays=frozenset(holidays[brand_id]),
        )
        out[brand_id] = BrandSla(targets[brand_id], hours)
    return out


def clocks_for(case: Case, sla: BrandSla, *, waiting_since: datetime | None) -> Clocks:
    """The case's deadlines: first reply, the reply to a customer waiting again, resolution.

    A resolved case has no clocks, nor has history (ADR 73); a pending one (the customer has
    the last word owed) keeps only its resolution clock. A history case a live post made a
    working one counts from that post (`live_since`), never from the archive's dates.
    """
    if case.status == CaseStatus.RESOLVED.value or case.history:
        return Clocks(None, None, None)
    targets = sla.for_priority(case.priority)
    start = _not_before(case.opened_at, case.live_since)
    first_due = None
    if case.first_response_at is None:
        first_due = sla.hours.add(start, targets.first_response)
    next_due = None
    if case.first_response_at is not None and waiting_since is not None:
        next_due = sla.hours.add(_not_before(waiting_since, case.live_since), targets.next_response)
    resolution_due = sla.hours.add(start, targets.resolution)
    return Clocks(first_due, next_due, resolution_due)


def _not_before(moment: datetime, floor: datetime | None) -> datetime:
    """A clock's start, moved up to when the case became a working one."""
    return moment if floor is None else max(moment, floor)


def apply_clocks(case: Case, clocks: Clocks) -> None:
    """Write the deadlines onto the case row."""
    case.first_response_due_at = clocks.first_response_due_at
    case.next_response_due_at = clocks.next_response_due_at
    case.resolution_due_at = clocks.resolution_due_at
    case.sla_due_at = clocks.running
