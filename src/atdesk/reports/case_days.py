"""The case-day rollup (report_case_days): the case facts summed per brand and UTC day of
opening, written in the same transaction as the facts rows it sums (ADR 95).

A summary or per-period table of a scope without team, agent, network, intent or issue reads
the whole days of its period here and the partial first and last days from case_facts; the
medians and p90s stay exact because a day keeps every measured value (a period's values are
its days' values), and what depends on `now` (backlog ages, targets not reached yet) is kept
as moments and settled at read time.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from atdesk.models import CaseFacts, ReportCaseDay
from atdesk.reports.case_sums import (
    COLUMNS,
    COUNTS,
    EPOCH,
    LISTS,
    MEASURES,
    fold,
    gather,
    micros,
    shift_rows,
)
from atdesk.reports.formulas import CaseCounts, Durations
from atdesk.reports.scope import ReportScope

MARK = "case_days"  # 1 once every cell was written from the facts (kept current since)
Cell = tuple[int, int]  # brand id, day number


def day_number(moment: datetime) -> int:
    """Days since 1970-01-01 of a moment's UTC date."""
    return (moment.astimezone(UTC).date() - EPOCH.date()).days


def day_start(day: int) -> datetime:
    """The UTC midnight a day number starts at."""
    return EPOCH + timedelta(days=day)


def shift(session: Session, before: Sequence[Any], after: Sequence[Any]) -> None:
    """Move facts rows' old values out of their days and their new values in (inside the facts
    write's transaction); a day that does not hold what it should is rewritten whole."""

    def cells(rows: Sequence[Any]) -> Iterable[tuple[tuple[int, int], Any]]:
        return (((row.brand_id, day_number(row.opened_at)), row) for row in rows)

    drifted = shift_rows(
        session, ReportCaseDay, ("brand_id", "day"), gather(cells(before)), gather(cells(after))
    )
    if drifted:
        recompute(session, drifted)


def recompute(session: Session, cells: Iterable[Cell]) -> None:
    """Rewrite these cells from the case_facts rows (inside the facts write's transaction)."""
    days_by_brand: dict[int, set[int]] = defaultdict(set)
    for brand, day in cells:
        days_by_brand[brand].add(day)
    for brand, days in days_by_brand.items():
        _rewrite(session, brand, sorted(days))


def rebuild_all(session: Session) -> None:
    """Rewrite every cell from case_facts (after a full rebuild of the facts)."""
    session.execute(delete(ReportCaseDay))
    brands = session.scalars(select(CaseFacts.brand_id).distinct())
    for brand in list(brands):
        _rewrite(session, brand, None)


def _rewrite(session: Session, brand: int, days: list[int] | None) -> None:
    query = select(*COLUMNS).where(CaseFacts.brand_id == brand)
    if days is not None:
        query = query.where(
            CaseFacts.opened_at >= day_start(days[0]), CaseFacts.opened_at < day_start(days[-1] + 1)
        )
        for start in range(0, len(days), 500):
            session.execute(
                delete(ReportCaseDay).where(
                    ReportCaseDay.brand_id == brand,
                    ReportCaseDay.day.in_(days[start : start + 500]),
                )
            )
    wanted = set(days) if days is not None else None
    dated = ((day_number(row.opened_at), row) for row in session.execute(query))
    held = fold((day, row) for day, row in dated if wanted is None or day in wanted)
    rows = [{"brand_id": brand, "day": day, **sums} for day, sums in sorted(held.items())]
    if rows:
        session.execute(insert(ReportCaseDay), rows)


def servable(scope: ReportScope) -> bool:
    """Whether the rollup answers this scope (its keys are brand and day)."""
    keyed = (scope.team_id, scope.agent_id, scope.network, scope.intent, scope.issue_id)
    return all(v is None for v in keyed)


def whole_days(scope: ReportScope) -> tuple[int | None, int | None] | None:
    """The whole UTC days [first, end) of the period (None bounds: open), or None if none."""
    first = None
    if scope.since is not None:
        first = day_number(scope.since)
        if day_start(first) != scope.since.astimezone(UTC):
            first += 1
    end = day_number(scope.until) if scope.until is not None else None
    if first is not None and end is not None and first >= end:
        return None
    return first, end


def read_days(
    session: Session, scope: ReportScope, span: tuple[int | None, int | None], *, now: datetime
) -> dict[tuple[int, str], tuple[CaseCounts, Durations]]:
    """Per brand and 'YYYY-MM-DD' of the whole days, counts and values settled at `now`."""
    r = ReportCaseDay
    query = select(r.brand_id, r.day, *(getattr(r, name) for name in COUNTS), r.values_blob)
    if scope.brand_ids is not None:
        query = query.where(r.brand_id.in_(scope.brand_ids))
    first, end = span
    if first is not None:
        query = query.where(r.day >= first)
    if end is not None:
        query = query.where(r.day < end)
    now_us = micros(now)
    return {
        (brand, day_start(day).date().isoformat()): settle(numbers, blob, now_us)
        for brand, day, *numbers, blob in session.execute(query)
    }


def settle(numbers: Sequence[int], blob: bytes, now_us: int) -> tuple[CaseCounts, Durations]:
    """A rollup row's counts (in COUNTS' order) and packed lists as of `now_us`: targets due
    by then are settled, backlog ages run to it."""
    held = Durations()
    passed = accumulate(blob, held, now_us)
    return counts_of(numbers, passed), held


def accumulate(blob: bytes, held: Durations, now_us: int) -> int:
    """Add a rollup row's packed lists to `held` (backlog ages as of `now_us`), and return how
    many of its targets not reached yet had fallen due by then (they count as settled)."""
    packed = array("d", bytes(blob))
    sizes = [int(n) for n in packed[: len(LISTS)]]
    at = len(LISTS)
    for name, size in zip(MEASURES, sizes, strict=False):
        if size:  # most of a small cell's lists are empty: skip them cheaply
            getattr(held, name).extend(packed[at : at + size])
            at += size
    opened, dues = sizes[len(MEASURES)], sizes[len(MEASURES) + 1] + sizes[len(MEASURES) + 2]
    if opened:
        held.backlog_age.extend(
            max(0.0, (now_us - int(moment)) / 1_000_000) for moment in packed[at : at + opened]
        )
        at += opened
    # Moments are whole numbers below 2**53: comparing the doubles is exact.
    return sum(1 for due in packed[at : at + dues] if due <= now_us) if dues else 0


def counts_of(numbers: Sequence[int], passed: int) -> CaseCounts:
    """The counts of a rollup row or rows (COUNTS' order), with `passed` targets settled since."""
    c = dict(zip(COUNTS, numbers, strict=True))
    return CaseCounts(
        cases=c["cases"], answered=c["answered"], resolved=c["resolved"],
        ever_resolved=c["ever_resolved"], reopened=c["reopened"], automated=c["automated"],
        touched=c["touched"], handed_off=c["handed_off"], sla_met=c["sla_met"],
        sla_settled=c["sla_reached"] + passed, backlog=c["backlog"],
    )  # fmt: skip


def case_days_snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every case-day row as a comparable tuple, for checks that a refresh equals a rebuild."""
    r = ReportCaseDay
    columns = [r.brand_id, r.day, *(getattr(r, name) for name in COUNTS), r.values_blob]
    return [tuple(row) for row in session.execute(select(*columns).order_by(r.brand_id, r.day))]
