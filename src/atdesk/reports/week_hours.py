"""The busiest-hours grid from the post-hour rollup (ADR 95): posts summed in SQL per brand,
UTC hour of the week and stretch of constant UTC offset, then shifted into each brand's zone.

Each UTC hour is placed where its start falls in the brand's zone, floored to the local hour,
exactly as counting the posts per UTC hour and converting each hour did (a +05:30 zone's
10:00 UTC hour is local 15). Between two offset changes of any brand in the scope an hour's
local weekday and hour follow from its UTC hour of the week alone, so the rollup part is one
grouped query of at most brands x 168 x stretches rows, whatever the period's length.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from atdesk.cases.calendar import BusinessHours, CalendarError
from atdesk.models import BusinessCalendar, Post, ReportPostHour
from atdesk.reports.cells import POST_BRAND, every_brand, post_sums
from atdesk.reports.periods import hour_expr
from atdesk.reports.post_hours import hour_of_text, hour_start, read_mark
from atdesk.reports.post_numbers import live_parts, rollup_filters, whole_hours
from atdesk.reports.scope import ReportScope

WEEK = 168
UTC_ZONE = ZoneInfo("UTC")


def brand_zones(session: Session, brand_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    """Each brand's calendar zone (a brand without a valid one is left out: UTC)."""
    out: dict[int, ZoneInfo] = {}
    for brand_id, zone in session.execute(
        select(BusinessCalendar.brand_id, BusinessCalendar.timezone).where(
            BusinessCalendar.brand_id.in_(set(brand_ids))
        )
    ):
        try:
            out[brand_id] = BusinessHours(timezone=zone).zone
        except CalendarError:
            continue
    return out


def shift(zone: ZoneInfo, hour: int) -> int:
    """Whole hours to add to a UTC hour number to get its local hour number (floored)."""
    offset = zone.utcoffset(hour_start(hour))
    assert offset is not None
    return int(offset.total_seconds() // 3600)


def changes(zone: ZoneInfo, first: int, end: int) -> set[int]:
    """The hours in (first, end) at which the zone's shift differs from the hour before."""
    out: set[int] = set()
    day = first
    before = shift(zone, first)
    while day < end:
        nxt = min(day + 24, end - 1)
        after = shift(zone, nxt)
        if after != before:
            lo, hi = day, nxt  # shift(lo) == before, shift(hi) != before
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if shift(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            out.add(hi)
            before = after
        if nxt <= day:
            break
        day = nxt
    return out


def place(hour_of_week: int, shift_h: int) -> tuple[int, int]:
    """(weekday with Monday 0, hour) of a UTC hour of the week moved by whole hours.

    Hour 0 of 1970-01-01 was a Thursday: hour numbers are counted from there."""
    local = (hour_of_week + shift_h) % WEEK
    return (local // 24 + 3) % 7, local % 24


def busiest_grid(session: Session, scope: ReportScope) -> list[list[int]]:
    """Inbound posts per local weekday and hour over a scope the rollup answers."""
    grid = [[0] * 24 for _ in range(7)]
    scope = every_brand(session, scope)
    ids = list(scope.brand_ids or ())
    zones = brand_zones(session, ids)
    mark = read_mark(session)
    span = whole_hours(scope)
    if span is not None and mark:
        r = ReportPostHour
        where = rollup_filters(scope, *span)
        first, end = span
        if first is None or end is None:
            low, high = session.execute(
                select(func.min(r.hour), func.max(r.hour)).where(*where)
            ).one()
            first = first if first is not None else low
            end = end if end is not None else (high + 1 if high is not None else None)
        if first is not None and end is not None:
            bounds = sorted(set().union(*(changes(z, first, end) for z in set(zones.values()))))
            stretch = (
                case(*((r.hour < b, i) for i, b in enumerate(bounds)), else_=len(bounds))
                if bounds
                else literal(0)
            )
            starts = [first, *bounds]
            how = r.hour % WEEK
            query = (
                select(r.brand_id, how, stretch, func.sum(r.inbound))
                .where(*where)
                .group_by(r.brand_id, how, stretch)
            )
            for brand_id, hour_of_week, index, n in session.execute(query):
                zone = zones.get(brand_id, UTC_ZONE)
                day, hour = place(int(hour_of_week), shift(zone, starts[int(index)]))
                grid[day][hour] += int(n or 0)
    keys = [POST_BRAND, hour_expr(session, Post.created_at)]
    newest = int(session.scalar(select(func.coalesce(func.max(Post.id), 0))) or 0)
    for part, extra in live_parts(scope, span, mark, newest):
        for (brand_id, stamp), (n,) in post_sums(
            session, part, keys, [func.count()], where=extra
        ).items():
            if brand_id is None or not n:
                continue
            moment = datetime.fromtimestamp(hour_of_text(stamp) * 3600, UTC)
            local = moment.astimezone(zones.get(int(brand_id), UTC_ZONE))
            grid[local.weekday()][local.hour] += int(n)
    return grid
