"""The case-week rollup (report_case_weeks): the case facts summed per brand, 7-day block of
opening and team, and apart per assignee, written in the same transaction as the facts rows
(ADR 103).

The by-team and by-agent tables of a scope without other keys read the whole weeks of their
period here and the days at either edge from case_facts. Medians and p90s stay exact as with
the case days (a week keeps every measured value). A case handed to another team or agent
changes its facts row; the write that stores it shifts the case's old values out of its old
key's row and its new values into the new one, in the same transaction (ADR 107).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from atdesk.models import CaseFacts, ReportCaseWeek
from atdesk.reports.case_days import (
    Cell,
    accumulate,
    counts_of,
    day_number,
    day_start,
    whole_days,
)
from atdesk.reports.case_sums import COUNTS, KEYED, fold, gather, micros, shift_rows
from atdesk.reports.formulas import CaseCounts, Durations
from atdesk.reports.scope import ReportScope

MARK = "case_weeks"  # 1 once every row was written from the facts (kept current since)
KEYS = {"team": CaseFacts.team_id, "agent": CaseFacts.assignee_id}  # dimension: facts column
DAYS = 7


def week_start(week: int) -> datetime:
    """The UTC midnight a week number starts at (weeks count 7-day blocks from 1970-01-01)."""
    return day_start(week * DAYS)


def recompute(session: Session, cells: Iterable[Cell]) -> None:
    """Rewrite the weeks holding these (brand, day) cells from case_facts, under every key
    (inside the facts write's transaction)."""
    weeks_by_brand: dict[int, set[int]] = defaultdict(set)
    for brand, day in cells:
        weeks_by_brand[brand].add(day // DAYS)
    for brand, weeks in weeks_by_brand.items():
        _rewrite(session, brand, sorted(weeks))


def shift(session: Session, before: Sequence[Any], after: Sequence[Any]) -> None:
    """Move facts rows' old values out of their weeks' rows and their new values in, under
    every key (inside the facts write's transaction); a drifted week is rewritten whole."""

    def cells(rows: Sequence[Any]) -> Iterable[tuple[tuple[int, int, str, int], Any]]:
        for row in rows:
            week = day_number(row.opened_at) // DAYS
            for dimension, column in KEYS.items():
                yield (row.brand_id, week, dimension, getattr(row, column.key) or 0), row

    names = ("brand_id", "week", "dimension", "key_id")
    drifted = shift_rows(
        session, ReportCaseWeek, names, gather(cells(before)), gather(cells(after))
    )
    if drifted:
        recompute(session, {(brand, week * DAYS) for brand, week, _, _ in drifted})


def rebuild_all(session: Session) -> None:
    """Rewrite every row from case_facts (after a full rebuild of the facts, or the upgrade)."""
    session.execute(delete(ReportCaseWeek))
    for brand in list(session.scalars(select(CaseFacts.brand_id).distinct())):
        _rewrite(session, brand, None)


def _rewrite(session: Session, brand: int, weeks: list[int] | None) -> None:
    query = select(*KEYED).where(CaseFacts.brand_id == brand)
    wanted = set(weeks) if weeks is not None else None
    if weeks is not None:
        query = query.where(
            CaseFacts.opened_at >= week_start(weeks[0]),
            CaseFacts.opened_at < week_start(weeks[-1] + 1),
        )
        for start in range(0, len(weeks), 500):
            session.execute(
                delete(ReportCaseWeek).where(
                    ReportCaseWeek.brand_id == brand,
                    ReportCaseWeek.week.in_(weeks[start : start + 500]),
                )
            )

    weekly = ((day_number(row.opened_at) // DAYS, row) for row in session.execute(query))
    found = [(week, row) for week, row in weekly if wanted is None or week in wanted]
    rows: list[dict[str, Any]] = []
    for dimension, column in KEYS.items():
        name = column.key
        held = fold(((week, getattr(row, name) or 0), row) for week, row in found)
        rows += [
            {"brand_id": brand, "week": week, "dimension": dimension, "key_id": key, **sums}
            for (week, key), sums in sorted(held.items())
        ]
    if rows:
        session.execute(insert(ReportCaseWeek), rows)


def whole_weeks(scope: ReportScope) -> tuple[int | None, int | None] | None:
    """The weeks [first, end) lying wholly inside the period (None bounds: open), or None."""
    days = whole_days(scope)
    if days is None:
        return None
    first = -(-days[0] // DAYS) if days[0] is not None else None  # the first week starting in
    end = days[1] // DAYS if days[1] is not None else None
    if first is not None and end is not None and first >= end:
        return None
    return first, end


def read_weeks(
    session: Session,
    scope: ReportScope,
    span: tuple[int | None, int | None],
    by: str,
    *,
    now: datetime,
) -> dict[int | None, tuple[CaseCounts, Durations]]:
    """Per team or agent id (None: none) of the whole weeks, counts and values as of `now`:
    the counts summed in SQL, the value lists joined from each row's packed ones."""
    r, key = ReportCaseWeek, ReportCaseWeek.key_id
    where: list[ColumnElement[bool]] = [r.dimension == by]
    if scope.brand_ids is not None:
        where.append(r.brand_id.in_(scope.brand_ids))
    first, end = span
    if first is not None:
        where.append(r.week >= first)
    if end is not None:
        where.append(r.week < end)
    now_us = micros(now)
    values: dict[int | None, Durations] = {}
    passed: dict[int | None, int] = defaultdict(int)
    for stored, blob in session.execute(select(key, r.values_blob).where(*where)):
        k = stored or None  # 0 is "none"
        held = values.get(k)
        if held is None:
            held = values[k] = Durations()
        passed[k] += accumulate(blob, held, now_us)
    sums = select(key, *(func.sum(getattr(r, name)) for name in COUNTS)).where(*where)
    out: dict[int | None, tuple[CaseCounts, Durations]] = {}
    for stored, *numbers in session.execute(sums.group_by(key)):
        k = stored or None
        out[k] = (counts_of([int(n or 0) for n in numbers], passed[k]), values[k])
    return out


def case_weeks_snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every case-week row as a comparable tuple, for checks that a refresh equals a rebuild."""
    r = ReportCaseWeek
    columns = [
        r.brand_id, r.week, r.dimension, r.key_id, *(getattr(r, n) for n in COUNTS),
        r.values_blob,
    ]  # fmt: skip
    order = (r.brand_id, r.week, r.dimension, r.key_id)
    return [tuple(row) for row in session.execute(select(*columns).order_by(*order))]
