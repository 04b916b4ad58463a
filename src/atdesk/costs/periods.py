"""Periods people type (a month, a day, a moment) as the UTC bounds the figures are cut by."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from atdesk.domain.errors import AppError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class PeriodError(AppError):
    """A since/until that is not a month, a date or a moment, or runs backwards."""


def month_start(moment: datetime) -> datetime:
    """The first instant of the moment's month, UTC."""
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(start: datetime, months: int) -> datetime:
    """The first instant of the month `months` after (or before) `start`'s."""
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1, day=1)


def parse_bound(text: str | None, *, end: bool, name: str) -> datetime | None:
    """'2026-11' (a month: its start, or the next month's start for `end`), '2026-11-15'
    (a day: its start, or the next day's) or an ISO moment; naive moments are UTC."""
    value = (text or "").strip()
    if not value:
        return None
    if match := _MONTH.match(value):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or not 2000 <= year <= 2199:
            raise PeriodError(f"{name} {value!r} is not a month; write it as 2026-11")
        start = datetime(year, month, 1, tzinfo=UTC)
        return add_months(start, 1) if end else start
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            f"{name} {value!r} is not a date; write 2026-11, 2026-11-15 or 2026-11-15T09:00Z"
        ) from None
    day_only = len(value) == 10
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        if day_only and end:
            moment += timedelta(days=1)
        inside = EARLIEST <= moment <= LATEST
    except OverflowError:  # year 1 or 9999 with an offset: past what a datetime holds
        inside = False
    if not inside:
        raise PeriodError(f"{name} {value!r} is out of range (2000 to 2199)")
    return moment.astimezone(UTC)


def checked(since: datetime | None, until: datetime | None) -> None:
    """Refuse a period that ends before it starts."""
    if since is not None and until is not None and until <= since:
        raise PeriodError("until must be after since")
