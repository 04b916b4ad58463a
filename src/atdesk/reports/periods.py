"""Report periods: UTC day, ISO week and month keys, in Python and as SQL on either database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session


def period_key(bucket: str, moment: Any) -> str | None:
    """'2026-03-04' (day), '2026-W10' (ISO week) or '2026-03' (month) of a UTC moment or day."""
    if moment is None:
        return None
    if isinstance(moment, str):
        day = date.fromisoformat(moment[:10])
    elif isinstance(moment, datetime):
        day = moment.astimezone(UTC).date()
    else:
        day = moment
    if bucket == "day":
        return day.isoformat()
    if bucket == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return f"{day.year}-{day.month:02d}"


def day_expr(session: Session, column: Any) -> Any:
    """The UTC calendar day of a stored time, as 'YYYY-MM-DD' text, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def period_expr(session: Session, by: str, column: Any) -> Any:
    """A stored time's UTC day ('YYYY-MM-DD'), week (its Monday, 'YYYY-MM-DD') or month."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if by == "day":
        return day_expr(session, column)
    if by == "week":
        if postgres:
            return func.to_char(func.date_trunc("week", func.timezone("UTC", column)), "YYYY-MM-DD")
        return func.date(column, "-6 days", "weekday 1")
    if postgres:
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)


def period_label(by: str, raw: Any) -> str | None:
    """The breakdown key of a period expression's value: '2026-03-04', '2026-W10', '2026-03'."""
    if raw is None:
        return None
    text = str(raw)
    if by == "month":
        return text[:7]
    return period_key(by, text[:10])


def hour_expr(session: Session, column: Any) -> Any:
    """The UTC hour of a stored time as 'YYYY-MM-DD HH' text, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)
