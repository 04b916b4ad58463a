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
from atdesk.reports.formulas import CaseCounts, Durations
from atdesk.reports.scope import ReportScope

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MARK = "case_days"  # 1 once every cell was written from the facts (kept current since)
MEASURES = ("first_response", "first_response_bh", "next_response", "resolution", "resolution_bh")
COUNTS = (
    "cases", "answered", "resolved", "ever_resolved", "reopened", "automated", "touched",
    "handed_off", "sla_met", "sla_reached", "backlog",
)  # fmt: skip
COLUMNS = (
    CaseFacts.brand_id, CaseFacts.opened_at, CaseFacts.first_response_at, CaseFacts.resolved_at,
    CaseFacts.first_response_due_at, CaseFacts.resolution_due_at, CaseFacts.reopens,
    CaseFacts.automated, CaseFacts.automation_replied, CaseFacts.handoff, CaseFacts.status,
    CaseFacts.history, CaseFacts.first_response_s, CaseFacts.first_response_bh_s,
    CaseFacts.next_response_s, CaseFacts.resolution_s, CaseFacts.resolution_bh_s,
)  # fmt: skip

# The value lists a day keeps: the measures, the backlog cases' openings, unreached dues.
LISTS = (*MEASURES, "open", "fr_due", "res_due")
Cell = tuple[int, int]  # brand id, day number


def day_number(moment: datetime) -> int:
    """Days since 1970-01-01 of a moment's UTC date."""
    return (moment.astimezone(UTC).date() - EPOCH.date()).days


def day_start(day: int) -> datetime:
    """The UTC midnight a day number starts at."""
    return EPOCH + timedelta(days=day)


def micros(moment: datetime) -> int:
    """A moment as integer microseconds since 1970 (exact, unlike a float timestamp)."""
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def cells_of(session: Session, case_ids: Iterable[int]) -> set[Cell]:
    """The (brand, day) cells these cases' facts rows are in now."""
    out: set[Cell] = set()
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        query = select(CaseFacts.brand_id, CaseFacts.opened_at).where(
            CaseFacts.case_id.in_(ids[start : start + 500])
        )
        out |= {(brand, day_number(opened)) for brand, opened in session.execute(query)}
    return out


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


def fold(cells: Iterable[tuple[Any, Any]]) -> dict[Any, dict[str, Any]]:
    """Facts rows (of COLUMNS), each given after its cell, summed per cell into rollup column
    values: the counts by name, and the sorted value lists packed as `values_blob`."""
    held: dict[Any, tuple[list[int], dict[str, list[Any]]]] = {}
    for key, row in cells:
        if key not in held:
            held[key] = ([0] * len(COUNTS), {name: [] for name in LISTS})
        counts, values = held[key]
        _add(counts, values, row)
    out: dict[Any, dict[str, Any]] = {}
    for key, (counts, values) in held.items():
        for name in MEASURES:
            values[name].sort()
        out[key] = {**dict(zip(COUNTS, counts, strict=True)), "values_blob": pack(values)}
    return out


def _add(counts: list[int], values: dict[str, list[Any]], row: Any) -> None:
    """One facts row into its day: the same conditions as cells._case_counts sums in SQL."""
    answered = row.first_response_at is not None
    resolved = row.resolved_at is not None
    counts[0] += 1
    counts[1] += answered
    counts[2] += resolved
    counts[3] += resolved or row.reopens > 0
    counts[4] += row.reopens > 0
    counts[5] += row.automated is True
    counts[6] += row.automation_replied is True or row.handoff is True
    counts[7] += row.handoff is True
    fr_due, res_due = row.first_response_due_at, row.resolution_due_at
    counts[8] += answered and fr_due is not None and row.first_response_at <= fr_due
    counts[8] += resolved and res_due is not None and row.resolved_at <= res_due
    counts[9] += (fr_due is not None and answered) + (res_due is not None and resolved)
    if fr_due is not None and not answered:
        values["fr_due"].append(micros(fr_due))
    if res_due is not None and not resolved:
        values["res_due"].append(micros(res_due))
    if row.status != "resolved" and not row.history:
        counts[10] += 1
        values["open"].append(micros(row.opened_at))
    for name, value in zip(
        MEASURES,
        (row.first_response_s, row.first_response_bh_s, row.next_response_s, row.resolution_s,
         row.resolution_bh_s),
        strict=True,
    ):  # fmt: skip
        if value is not None:
            values[name].append(float(value))


def pack(values: dict[str, list[Any]]) -> bytes:
    """The LISTS as one array of doubles: their lengths, then their values. Exact: the
    measures are doubles already and microsecond moments are below 2**53."""
    packed = array("d", [float(len(values[name])) for name in LISTS])
    for name in LISTS:
        packed.extend(float(v) for v in values[name])
    return packed.tobytes()


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
