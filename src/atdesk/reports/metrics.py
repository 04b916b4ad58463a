"""Report queries: summary, breakdowns, series, distributions, busiest hours and drill-down.

Case numbers come from case_facts (one row per case, ADR 91) for cases opened in the period;
inbound volume, sentiment and noise from the stored inbound posts created in the period; CSAT
and NPS from survey answers given in the period. Callers refresh the facts first
(`reports.facts.refresh`) when they need numbers up to the last post.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from atdesk.cases.calendar import BusinessHours, CalendarError
from atdesk.models import (
    Brand,
    BusinessCalendar,
    Case,
    CaseFacts,
    Issue,
    Post,
    SurveyResponse,
    Team,
    User,
)
from atdesk.reports import case_days, case_weeks
from atdesk.reports.aside import aside
from atdesk.reports.cache import cached, minute
from atdesk.reports.cells import (
    POST_BRAND,
    CubeKey,
    brand_day_cells,
    case_cells,
    cube_tally,
    day_cells,
    fact_filters,
    in_backlog,
    keyed_cells,
    post_cube,
    post_sums,
    remembered_cube,
    sum_days,
    tally_posts,
    tally_surveys,
)
from atdesk.reports.formulas import (
    CaseCounts,
    MetricSet,
    PostTally,
    Spreads,
    SurveyTally,
    empty_metrics,
    metric_set,
)
from atdesk.reports.periods import day_expr, hour_expr, period_expr, period_key, period_label
from atdesk.reports.post_numbers import post_totals, servable
from atdesk.reports.scope import ReportScope
from atdesk.reports.survey_drill import SURVEY_DRILLS, survey_drill
from atdesk.reports.week_hours import busiest_grid

__all__ = [
    "DIMENSIONS",
    "Bucket",
    "Dimension",
    "MetricSet",
    "Row",
    "Series",
    "breakdown",
    "busiest_hours",
    "distribution",
    "drill",
    "prepare_overview",
    "read_posts_once",
    "summarize",
    "volume_series",
]

Dimension = Literal["brand", "team", "agent", "network", "intent", "issue", "day", "week", "month"]
DIMENSIONS: tuple[str, ...] = (
    "brand", "team", "agent", "network", "intent", "issue", "day", "week", "month",
)  # fmt: skip
PERIODS = frozenset({"day", "week", "month"})
NONE_KEY = "none"
DRILL_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a breakdown: its key (as used in filters and drill), label and numbers."""

    key: str
    label: str
    metrics: MetricSet


@dataclass(frozen=True, slots=True)
class Series:
    """Inbound posts per bucket and key, for a stacked chart: counts[key][i] is buckets[i]."""

    buckets: list[str]
    counts: dict[str, list[int]]


@dataclass(frozen=True, slots=True)
class Bucket:
    """A histogram bar: cases whose time falls in [lo_s, hi_s) (hi_s None: no upper bound)."""

    label: str
    lo_s: float
    hi_s: float | None
    cases: int


DISTRIBUTION_EDGES: tuple[tuple[str, float, float | None], ...] = (
    ("< 15 min", 0, 15 * 60),
    ("15-60 min", 15 * 60, 3600),
    ("1-4 h", 3600, 4 * 3600),
    ("4-8 h", 4 * 3600, 8 * 3600),
    ("8-24 h", 8 * 3600, 24 * 3600),
    ("1-3 days", 24 * 3600, 72 * 3600),
    ("> 3 days", 72 * 3600, None),
)


# ---------------------------------------------------------------- summary and breakdown


def read_posts_once(session: Session, scope: ReportScope, *, now: datetime) -> None:
    """Read the scope's inbound posts once for a page that shows several post numbers (the
    overview: summary, per-period table, volume series, busiest hours): each then sums the
    remembered per-(brand, hour, network, intent) cube instead of reading the posts again."""
    if not scope.empty:
        post_cube(session, scope, now)


def prepare_overview(session: Session, scope: ReportScope, *, now: datetime) -> None:
    """Before a page of several post numbers: nothing when the post-hour rollup answers the
    scope (each number is then a small query on it, ADR 95), else read the posts once."""
    if not servable(scope):
        read_posts_once(session, scope, now=now)


def summarize(session: Session, scope: ReportScope, *, now: datetime) -> MetricSet:
    """Every metric for the whole scope."""
    return cached(
        session, ("summary", scope, minute(now)), lambda: _summarize(session, scope, now=now)
    )


def _summarize(session: Session, scope: ReportScope, *, now: datetime) -> MetricSet:
    if scope.empty:
        return empty_metrics()
    everything = sum_days(day_cells(session, scope, now=now), lambda _: None)
    counts, times = everything.get(None, (CaseCounts(), Spreads()))
    posts = _post_tallies(session, scope, None, now).get(None, PostTally())
    surveys = tally_surveys(session, scope).get(None, SurveyTally.empty())
    return metric_set(counts, times, posts, surveys)


_KEYS: dict[str, tuple[Any, Any, Any]] = {
    # dimension: (case_facts column, posts column, survey column)
    "brand": (CaseFacts.brand_id, POST_BRAND, SurveyResponse.brand_id),
    "team": (CaseFacts.team_id, Case.team_id, CaseFacts.team_id),
    "agent": (CaseFacts.assignee_id, Case.assignee_id, CaseFacts.assignee_id),
    "network": (CaseFacts.network, Post.network, CaseFacts.network),
    "intent": (CaseFacts.intent, Post.intent, CaseFacts.intent),
    "issue": (CaseFacts.issue_id, Post.issue_id, CaseFacts.issue_id),
}


# The dimensions the post cube holds, and where in its key.
_CUBE_KEYS: dict[str, Callable[[CubeKey], Any]] = {
    "brand": lambda k: k[0],
    "network": lambda k: k[2],
    "intent": lambda k: k[3],
}


def breakdown(
    session: Session, scope: ReportScope, by: Dimension, *, now: datetime, side: bool = False
) -> list[Row]:
    """The metrics per brand, team, agent, network, intent, issue or period (UTC day/week/month).

    Rows come in key order for periods, biggest first otherwise; a case without the key
    (no team, no intent...) is in the row keyed 'none'. With `side` (a session that has
    written nothing, as a page's) the post numbers are read at the same time on a second
    connection (reports.aside).
    """
    rows = cached(
        session,
        ("breakdown", scope, by, minute(now)),
        lambda: _breakdown(session, scope, by, now=now, side=side),
    )
    return list(rows)


def _breakdown(
    session: Session, scope: ReportScope, by: Dimension, *, now: datetime, side: bool
) -> list[Row]:
    if by not in DIMENSIONS:
        raise ValueError(f"cannot break down by {by!r}; use one of {', '.join(DIMENSIONS)}")
    if scope.empty:
        return []
    if by in PERIODS:
        cells = sum_days(day_cells(session, scope, now=now), lambda day: period_label(by, day))
        cube = remembered_cube(session, scope, now)
        if servable(scope):
            posts = _tally_rollup(session, scope, ("day",), lambda k: period_label(by, k[0]))
        elif cube is not None:
            posts = cube_tally(cube, lambda k: period_label(by, k[1]))
        else:
            found = tally_posts(session, scope, period_expr(session, by, Post.created_at))
            posts = {period_label(by, k): v for k, v in found.items()}
        surveys = tally_surveys(
            session, scope, period_expr(session, by, SurveyResponse.answered_at)
        )
        surveys = {period_label(by, k): v for k, v in surveys.items()}
    else:
        fact_key, post_key, survey_key = _KEYS[by]
        counted = (
            aside(session, lambda other: _post_tallies(other, scope, by, now, post_key))
            if side
            else None
        )
        if by == "brand" and case_days.servable(scope):
            # The brand is a key of the case-day rollup: its cells, not the facts row by row.
            cells = sum_days(brand_day_cells(session, scope, now=now), lambda key: key[0])
        elif by in case_weeks.KEYS:
            cells = keyed_cells(session, scope, by, fact_key, now=now)
        else:
            cells = case_cells(session, scope, fact_key, now=now)
        surveys = tally_surveys(session, scope, survey_key)
        if counted is not None:
            posts = counted.result()
        else:
            posts = _post_tallies(session, scope, by, now, post_key)
    keys = set(cells) | set(posts) | set(surveys)
    labels = _labels(session, by, [k for k in keys if k is not None])
    out = []
    for k in keys:
        counts, times = cells.get(k, (CaseCounts(), Spreads()))
        metrics = metric_set(
            counts, times, posts.get(k, PostTally()), surveys.get(k, SurveyTally.empty())
        )
        if k is None:
            out.append(Row(key=NONE_KEY, label=_none_label(by), metrics=metrics))
        else:
            out.append(Row(key=str(k), label=labels.get(k, str(k)), metrics=metrics))
    if by in PERIODS:
        out.sort(key=lambda r: (r.key == NONE_KEY, r.key))
    else:
        out.sort(key=lambda r: (-r.metrics.cases, -r.metrics.inbound, r.label))
    return out


def _post_tallies(
    session: Session, scope: ReportScope, by: str | None, now: datetime, post_key: Any = None
) -> dict[Any, PostTally]:
    """Post numbers per brand, network or intent (None: one tally keyed None): from the
    rollup when it can answer the scope, else from the page's cube, else counted directly."""
    if by in (None, *_CUBE_KEYS) and servable(scope):
        if by is None:
            return _tally_rollup(session, scope, (), lambda _: None)
        return _tally_rollup(session, scope, (by,), lambda k: k[0])
    cube = remembered_cube(session, scope, now)
    if cube is not None and by is None:
        return cube_tally(cube, lambda _: None)
    if cube is not None and by in _CUBE_KEYS:
        return cube_tally(cube, _CUBE_KEYS[by])
    return tally_posts(session, scope, post_key)


def _tally_rollup(
    session: Session, scope: ReportScope, by: tuple[str, ...], pick: Callable[[Any], Any]
) -> dict[Any, PostTally]:
    """The rollup's post totals summed per `pick(key)`."""
    summed: dict[Any, list[int]] = {}
    for key, numbers in post_totals(session, scope, by).items():
        have = summed.setdefault(pick(key), [0, 0, 0, 0, 0])
        for i, n in enumerate(numbers):
            have[i] += n
    return {k: PostTally(*numbers) for k, numbers in summed.items()}


def _none_label(by: str) -> str:
    return {
        "team": "No team",
        "agent": "Unassigned",
        "intent": "No intent",
        "issue": "No issue",
        "brand": "No brand",
    }.get(by, "None")


def _labels(session: Session, by: str, keys: Sequence[Any]) -> dict[Any, str]:
    """Display names of breakdown keys (brand and team names, agents, issue titles)."""
    if not keys:
        return {}
    named: dict[str, tuple[Any, Any]] = {
        "brand": (Brand.id, Brand.name),
        "team": (Team.id, Team.name),
        "agent": (User.id, func.coalesce(func.nullif(User.display_name, ""), User.username)),
        "issue": (Issue.id, Issue.label),
    }
    if by in named:
        ident, name = named[by]
        return {k: str(v) for k, v in session.execute(select(ident, name).where(ident.in_(keys)))}
    return {k: str(k) for k in keys}


# ---------------------------------------------------------------- charts


def volume_series(
    session: Session,
    scope: ReportScope,
    *,
    by: Literal["intent", "network", "brand"],
    bucket: Literal["day", "week"],
    now: datetime | None = None,
) -> Series:
    """Inbound posts per UTC day or ISO week and per intent, network or brand (every bucket
    between the first and last one is present, zero-filled); `now` (to the minute) shares the
    posts read with the other reports of that minute."""
    found = cached(
        session,
        ("series", scope, by, bucket, minute(now) if now is not None else None),
        lambda: _volume_series(session, scope, by, bucket, now),
    )
    return Series(list(found.buckets), {name: list(c) for name, c in found.counts.items()})


def _volume_series(
    session: Session, scope: ReportScope, by: str, bucket: str, now: datetime | None
) -> Series:
    if scope.empty:
        return Series([], {})
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cube = remembered_cube(session, scope, now)
    if servable(scope):
        totals = post_totals(session, scope, ("day", by))
        raw = [(d, k, numbers[0]) for (d, k), numbers in totals.items()]
    elif cube is not None:
        pick = _CUBE_KEYS[by]
        found = cube_tally(cube, lambda k: (k[1][:10], pick(k)))
        raw = [(d, k, tally.inbound) for (d, k), tally in found.items()]
    else:
        key = {"intent": Post.intent, "network": Post.network, "brand": POST_BRAND}[by]
        day = day_expr(session, Post.created_at)
        sums = post_sums(session, scope, [day, key], [func.count()])
        raw = [(d, k, n) for (d, k), (n,) in sums.items()]
    days = [date.fromisoformat(str(d)[:10]) for d, _, _ in raw]
    if not raw:
        return Series([], {})
    labels = _labels(session, by, [k for _, k, _ in raw if k is not None])
    for d, k, n in raw:
        period = period_key(bucket, str(d))
        assert period is not None
        name = labels.get(k, str(k)) if k is not None else _none_label(by)
        counts[name][period] += int(n)
    buckets: list[str] = []
    cursor, last = min(days), max(days)
    while cursor <= last:
        period = period_key(bucket, cursor)
        assert period is not None
        if not buckets or buckets[-1] != period:
            buckets.append(period)
        cursor += timedelta(days=1)
    return Series(
        buckets=buckets,
        counts={name: [per.get(b, 0) for b in buckets] for name, per in sorted(counts.items())},
    )


def distribution(
    session: Session,
    scope: ReportScope,
    metric: Literal["first_response", "resolution"],
    *,
    business_hours: bool,
    now: datetime | None = None,
) -> list[Bucket]:
    """How many cases took how long to a first response or to resolution (fixed buckets);
    with `now` (to the minute) they are counted from the day cells the summary of that minute
    read, instead of the case facts being read again."""
    found = cached(
        session,
        ("distribution", scope, metric, business_hours, minute(now) if now else None),
        lambda: _distribution(session, scope, metric, business_hours, now),
    )
    return list(found)


_DISTRIBUTION_COLUMNS = {
    ("first_response", False): ("first_response", CaseFacts.first_response_s),
    ("first_response", True): ("first_response_bh", CaseFacts.first_response_bh_s),
    ("resolution", False): ("resolution", CaseFacts.resolution_s),
    ("resolution", True): ("resolution_bh", CaseFacts.resolution_bh_s),
}


def _distribution(
    session: Session, scope: ReportScope, metric: str, business_hours: bool, now: datetime | None
) -> list[Bucket]:
    measure, column = _DISTRIBUTION_COLUMNS[(metric, business_hours)]
    counts = [0] * len(DISTRIBUTION_EDGES)
    if not scope.empty and now is not None and case_days.servable(scope):
        for _, held in day_cells(session, scope, now=now).values():
            _count_into(counts, getattr(held, measure))
    elif not scope.empty:
        whens = [
            (column < hi, i) for i, (_, _, hi) in enumerate(DISTRIBUTION_EDGES) if hi is not None
        ]
        index = case(*whens, else_=len(DISTRIBUTION_EDGES) - 1)
        query = (
            select(index, func.count())
            .where(*fact_filters(scope), column.is_not(None))
            .group_by(index)
        )
        for i, n in session.execute(query):
            counts[int(i)] = int(n)
    return [
        Bucket(label, lo, hi, counts[i]) for i, (label, lo, hi) in enumerate(DISTRIBUTION_EDGES)
    ]


def _count_into(counts: list[int], values: list[float]) -> None:
    """Add one day's values to the bucket counts: a bucket is the values below its upper edge
    less those below the one before (the first takes everything below its edge)."""
    ordered = sorted(values)  # a rollup day's values are sorted already: a linear pass
    below = 0
    for i, (_, _, hi) in enumerate(DISTRIBUTION_EDGES):
        upto = bisect_left(ordered, hi) if hi is not None else len(ordered)
        counts[i] += upto - below
        below = upto


def busiest_hours(
    session: Session, scope: ReportScope, now: datetime | None = None
) -> list[list[int]]:
    """Inbound posts per weekday (0 = Monday) and hour, each in its brand's own time zone."""
    when = minute(now) if now is not None else None
    grid = cached(
        session, ("busiest_hours", scope, when), lambda: _busiest_hours(session, scope, now)
    )
    return [list(day) for day in grid]


def _busiest_hours(session: Session, scope: ReportScope, now: datetime | None) -> list[list[int]]:
    grid = [[0] * 24 for _ in range(7)]
    if scope.empty:
        return grid
    cube = remembered_cube(session, scope, now)
    if servable(scope):
        return busiest_grid(session, scope)
    if cube is not None:
        found = cube_tally(cube, lambda k: (k[0], k[1]))
        raw = [(b, h, tally.inbound) for (b, h), tally in found.items()]
    else:
        hour = hour_expr(session, Post.created_at)
        sums = post_sums(session, scope, [POST_BRAND, hour], [func.count()])
        raw = [(b, h, n) for (b, h), (n,) in sums.items()]
    zones = _zones(session, {b for b, _, _ in raw})
    for brand_id, stamp, n in raw:
        moment = datetime.strptime(str(stamp)[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
        local = moment.astimezone(zones.get(brand_id, ZoneInfo("UTC")))
        grid[local.weekday()][local.hour] += int(n)
    return grid


def _zones(session: Session, brand_ids: set[int]) -> dict[int, ZoneInfo]:
    out: dict[int, ZoneInfo] = {}
    for brand_id, zone in session.execute(
        select(BusinessCalendar.brand_id, BusinessCalendar.timezone).where(
            BusinessCalendar.brand_id.in_(brand_ids)
        )
    ):
        try:
            out[brand_id] = BusinessHours(timezone=zone).zone
        except CalendarError:
            continue
    return out


# ---------------------------------------------------------------- drill-down


def _drill_conditions(now: datetime) -> dict[str, ColumnElement[bool]]:
    f = CaseFacts
    return {
        "cases": literal(True),
        "answered": f.first_response_at.is_not(None),
        "unanswered": f.first_response_at.is_(None),
        "resolved": f.resolved_at.is_not(None),
        "backlog": in_backlog(),
        "reopened": f.reopens > 0,
        "automated": f.automated.is_(True),
        "handoff": f.handoff.is_(True),
        "sla_missed": (f.first_response_at > f.first_response_due_at)
        | (f.first_response_at.is_(None) & (f.first_response_due_at <= now))
        | (f.resolved_at > f.resolution_due_at)
        | (f.resolved_at.is_(None) & (f.resolution_due_at <= now)),
    }


DRILL_METRICS: tuple[str, ...] = (
    "cases", "answered", "unanswered", "resolved", "backlog", "reopened", "automated",
    "handoff", "sla_missed", *SURVEY_DRILLS,
)  # fmt: skip
BUCKET_METRICS = ("first_response", "first_response_bh", "resolution", "resolution_bh")


def period_range(period: str, key: str) -> tuple[datetime, datetime]:
    """The UTC [start, end) of a breakdown period key ('2026-03-04', '2026-W10', '2026-03')."""
    try:
        if period == "day":
            start = date.fromisoformat(key)
            end = start + timedelta(days=1)
        elif period == "week":
            year, week = key.split("-W")
            start = date.fromisocalendar(int(year), int(week), 1)
            end = start + timedelta(days=7)
        else:
            y, m = (int(part) for part in key.split("-"))
            start = date(y, m, 1)
            end = date(y + m // 12, m % 12 + 1, 1)
    except ValueError:
        raise ValueError(f"{key!r} is not a {period} key like {_EXAMPLES[period]}") from None
    return (
        datetime.combine(start, datetime.min.time(), UTC),
        datetime.combine(end, datetime.min.time(), UTC),
    )


_EXAMPLES = {"day": "2026-03-04", "week": "2026-W10", "month": "2026-03"}


def drill(
    session: Session,
    scope: ReportScope,
    *,
    metric: str,
    key: str | None = None,
    now: datetime,
) -> list[int]:
    """The ids of the cases behind a number, oldest first (at most DRILL_LIMIT).

    `metric` is one of DRILL_METRICS with `key` an optional breakdown row as
    'dimension:value' ('intent:billing', 'day:2026-03-04', 'team:none'), or one of
    BUCKET_METRICS with `key` a distribution bucket label ('1-4 h'). The survey metrics
    (SURVEY_DRILLS: csat, csat_satisfied, nps_detractors, ...) give the cases whose answers,
    given in the period, make up that CSAT or NPS number (a period key bounds the answering).
    """
    if metric in BUCKET_METRICS:
        return _drill_bucket(session, scope, metric, key)
    if metric not in DRILL_METRICS:
        raise ValueError(
            f"unknown metric {metric!r}; use one of {', '.join((*DRILL_METRICS, *BUCKET_METRICS))}"
        )
    if scope.empty:
        return []
    if metric in SURVEY_DRILLS:
        return survey_drill(session, scope, metric, _survey_key(key), DRILL_LIMIT)
    conditions = [*fact_filters(scope), _drill_conditions(now)[metric]]
    if key:
        dim, value = _drill_key(key)
        if dim in PERIODS:
            start, end = period_range(dim, value)
            conditions += [CaseFacts.opened_at >= start, CaseFacts.opened_at < end]
        else:
            column = _KEYS[dim][0]
            if value == NONE_KEY:
                conditions.append(column.is_(None))
            elif dim in ("network", "intent"):
                conditions.append(column == value)
            elif value.isdigit():
                conditions.append(column == int(value))
            else:
                raise ValueError(f"{dim} key {value!r} must be a number or 'none'")
    query = (
        select(CaseFacts.case_id)
        .where(*conditions)
        .order_by(CaseFacts.opened_at, CaseFacts.case_id)
        .limit(DRILL_LIMIT)
    )
    return list(session.scalars(query))


def _drill_key(key: str) -> tuple[str, str]:
    """A drill key's dimension and value ('intent:billing' -> ('intent', 'billing'))."""
    dim, _, value = key.partition(":")
    if dim not in DIMENSIONS or not value:
        raise ValueError(f"drill key {key!r} must look like 'intent:billing' or 'day:2026-03-04'")
    return dim, value


def _survey_key(key: str | None) -> tuple[str, Any, datetime | None, datetime | None] | None:
    """A drill key as survey_drill takes it: a period's bounds, or a key's typed value."""
    if not key:
        return None
    dim, value = _drill_key(key)
    if dim in PERIODS:
        start, end = period_range(dim, value)
        return dim, None, start, end
    if value == NONE_KEY:
        return dim, None, None, None
    if dim in ("network", "intent"):
        return dim, value, None, None
    if not value.isdigit():
        raise ValueError(f"{dim} key {value!r} must be a number or 'none'")
    return dim, int(value), None, None


def _drill_bucket(session: Session, scope: ReportScope, metric: str, key: str | None) -> list[int]:
    if scope.empty:
        return []
    bucket = next((b for b in DISTRIBUTION_EDGES if b[0] == key), None)
    if bucket is None:
        labels = ", ".join(b[0] for b in DISTRIBUTION_EDGES)
        raise ValueError(f"unknown bucket {key!r}; use one of {labels}")
    column = {
        "first_response": CaseFacts.first_response_s,
        "first_response_bh": CaseFacts.first_response_bh_s,
        "resolution": CaseFacts.resolution_s,
        "resolution_bh": CaseFacts.resolution_bh_s,
    }[metric]
    _, lo, hi = bucket
    conditions = [*fact_filters(scope), column >= lo]
    if hi is not None:
        conditions.append(column < hi)
    query = (
        select(CaseFacts.case_id)
        .where(and_(*conditions))
        .order_by(CaseFacts.opened_at, CaseFacts.case_id)
        .limit(DRILL_LIMIT)
    )
    return list(session.scalars(query))
