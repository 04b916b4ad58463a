"""The SQL building blocks of reports: the scope as filters, and each report cell's case
counts, time spreads, post and survey tallies, grouped by any key expression (ADR 91)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import iterate

from atdesk.models import Brand, Case, CaseFacts, Post, SurveyResponse
from atdesk.reports import case_days, case_weeks
from atdesk.reports.cache import cached, minute, peek
from atdesk.reports.formulas import (
    CaseCounts,
    Durations,
    PostTally,
    Spreads,
    SurveyTally,
)
from atdesk.reports.marks import read_mark
from atdesk.reports.periods import day_expr, hour_expr, period_label
from atdesk.reports.scope import ReportScope

K = TypeVar("K")


def every_brand(session: Session, scope: ReportScope) -> ReportScope:
    """The scope with 'every brand' (None) spelled as the list of brands: the same rows (posts
    and cases name existing brands or none), but the (brand, time) indexes serve the period
    instead of every row being read (ADR 95)."""
    if scope.brand_ids is not None:
        return scope
    return replace(scope, brand_ids=tuple(session.scalars(select(Brand.id).order_by(Brand.id))))


def fact_filters(scope: ReportScope) -> list[ColumnElement[bool]]:
    """The scope as conditions on case_facts (cases opened in the period)."""
    f = CaseFacts
    out: list[ColumnElement[bool]] = []
    if scope.brand_ids is not None:
        out.append(f.brand_id.in_(scope.brand_ids))
    if scope.team_id is not None:
        out.append(f.team_id == scope.team_id)
    if scope.agent_id is not None:
        out.append(f.assignee_id == scope.agent_id)
    if scope.network is not None:
        out.append(f.network == scope.network)
    if scope.intent is not None:
        out.append(f.intent == scope.intent)
    if scope.issue_id is not None:
        out.append(f.issue_id == scope.issue_id)
    if scope.since is not None:
        out.append(f.opened_at >= scope.since)
    if scope.until is not None:
        out.append(f.opened_at < scope.until)
    return out


# An inbound post is its brand's by its own brand, else by its case's (a customer answering in
# a thread without addressing the brand is still writing to it).
POST_BRAND: Any = func.coalesce(Post.brand_id, Case.brand_id)


def post_queries(scope: ReportScope, *columns: Any, grouped: int = 0) -> list[Select[Any]]:
    """Inbound posts to the scope's brands in the period (listening-only ones left out), as two
    queries whose rows together are every such post once: those naming a brand, then those
    counted by their case's brand.

    One query with `coalesce(posts.brand_id, cases.brand_id) IN (...)` can use no index and
    reads every post; each half here filters a plain column, so the first walks
    ix_posts_brand_created over the period alone (ADR 91). Callers sum the two results.
    The first `grouped` columns are grouped by (POST_BRAND among them reads each half's own
    brand column).
    """
    # Each half names its brand column plainly; the first reads cases only when it must.
    own_columns = [Post.brand_id if c is POST_BRAND else c for c in columns]
    case_columns = [Case.brand_id if c is POST_BRAND else c for c in columns]
    needs_case = (
        scope.team_id is not None
        or scope.agent_id is not None
        or any(_reads_cases(c) for c in own_columns)
    )
    own = select(*own_columns).select_from(Post)
    if needs_case:
        own = own.outerjoin(Case, Case.id == Post.case_id)
    own = own.where(Post.brand_id.is_not(None))
    by_case = (
        select(*case_columns)
        .select_from(Post)
        .join(Case, Case.id == Post.case_id)
        .where(Post.brand_id.is_(None))
    )
    if scope.brand_ids is not None:
        own = own.where(Post.brand_id.in_(scope.brand_ids))
        by_case = by_case.where(Case.brand_id.in_(scope.brand_ids))
    else:
        by_case = by_case.where(Case.brand_id.is_not(None))
    if grouped:
        own = own.group_by(*own_columns[:grouped])
        by_case = by_case.group_by(*case_columns[:grouped])
    return [_post_filters(own, scope), _post_filters(by_case, scope)]


def _reads_cases(column: Any) -> bool:
    """Whether a column expression names a column of cases (then the cases join is needed)."""
    element = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return any(getattr(e, "table", None) is Case.__table__ for e in iterate(element))


def _post_filters(query: Select[Any], scope: ReportScope) -> Select[Any]:
    query = query.where(Post.inbound.is_(True), Post.listen_only.is_(False))
    if scope.network is not None:
        query = query.where(Post.network == scope.network)
    if scope.intent is not None:
        query = query.where(Post.intent == scope.intent)
    if scope.issue_id is not None:
        query = query.where(Post.issue_id == scope.issue_id)
    if scope.since is not None:
        query = query.where(Post.created_at >= scope.since)
    if scope.until is not None:
        query = query.where(Post.created_at < scope.until)
    if scope.team_id is not None:
        query = query.where(Case.team_id == scope.team_id)
    if scope.agent_id is not None:
        query = query.where(Case.assignee_id == scope.agent_id)
    return query


def post_sums(
    session: Session,
    scope: ReportScope,
    keys: Sequence[Any],
    sums: Sequence[Any],
    *,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[tuple[Any, ...], list[int]]:
    """Per distinct `keys`, the `sums` (counts or sums of flags) over the scope's inbound posts
    (and `where`, e.g. the post ids the rollup does not hold).

    With no keys, one row keyed () (zeros when there is no post).
    """
    out: dict[tuple[Any, ...], list[int]] = {}
    for query in post_queries(scope, *keys, *sums, grouped=len(keys)):
        for row in session.execute(query.where(*where)):
            have = out.setdefault(tuple(row[: len(keys)]), [0] * len(sums))
            for i, value in enumerate(row[len(keys) :]):
                have[i] += int(value or 0)
    return out


def survey_query(scope: ReportScope, *columns: Any) -> Select[Any]:
    """Survey answers of the scope's brands given in the period, by the answered case's keys."""
    s = SurveyResponse
    query = select(*columns)
    if scope.brand_ids is not None:
        query = query.where(s.brand_id.in_(scope.brand_ids))
    if scope.since is not None:
        query = query.where(s.answered_at >= scope.since)
    if scope.until is not None:
        query = query.where(s.answered_at < scope.until)
    keyed = (scope.team_id, scope.agent_id, scope.network, scope.intent, scope.issue_id)
    if any(v is not None for v in keyed):
        query = query.join(CaseFacts, CaseFacts.case_id == s.case_id)
        if scope.team_id is not None:
            query = query.where(CaseFacts.team_id == scope.team_id)
        if scope.agent_id is not None:
            query = query.where(CaseFacts.assignee_id == scope.agent_id)
        if scope.network is not None:
            query = query.where(CaseFacts.network == scope.network)
        if scope.intent is not None:
            query = query.where(CaseFacts.intent == scope.intent)
        if scope.issue_id is not None:
            query = query.where(CaseFacts.issue_id == scope.issue_id)
    return query


FACT_KEYS = (
    CaseFacts.team_id,
    CaseFacts.assignee_id,
    CaseFacts.network,
    CaseFacts.intent,
    CaseFacts.issue_id,
)


def flag(condition: ColumnElement[bool]) -> Any:
    """SQL counting the rows where a condition holds."""
    return func.sum(case((condition, 1), else_=0))


def sla_sums(now: datetime) -> tuple[Any, Any]:
    """SQL for formulas.sla_outcomes summed over cases: (targets met, targets settled)."""
    f = CaseFacts
    met = flag(
        and_(f.first_response_at.is_not(None), f.first_response_at <= f.first_response_due_at)
    ) + flag(and_(f.resolved_at.is_not(None), f.resolved_at <= f.resolution_due_at))
    settled = flag(
        and_(
            f.first_response_due_at.is_not(None),
            f.first_response_at.is_not(None) | (f.first_response_due_at <= now),
        )
    ) + flag(
        and_(
            f.resolution_due_at.is_not(None),
            f.resolved_at.is_not(None) | (f.resolution_due_at <= now),
        )
    )
    return met, settled


def in_backlog() -> ColumnElement[bool]:
    """Cases still to be worked: not resolved, and not history (ADR 73)."""
    return and_(CaseFacts.status != "resolved", CaseFacts.history.is_(False))


def case_cells(
    session: Session, scope: ReportScope, key: Any, *, now: datetime
) -> dict[Any, tuple[CaseCounts, Spreads]]:
    """Case counts (summed in SQL) and exact time spreads per key of the scope's cases; the
    measured values are read once and ranked per key in Python, which beats window functions
    partitioned by the key (and six whole-scope windows for one cell) on SQLite (ADR 91)."""
    return {k: (c, v.spreads()) for k, (c, v) in case_values(session, scope, key, now=now).items()}


def case_values(
    session: Session, scope: ReportScope, key: Any, *, now: datetime
) -> dict[Any, tuple[CaseCounts, Durations]]:
    """Case counts and measured values per key of the scope's cases, from the facts."""
    found = _durations(session, scope, key if key is not None else literal(None), now=now)
    return {
        k: (c, found.get(k, Durations()))
        for k, c in _case_counts(session, scope, key, now=now).items()
    }


def keyed_cells(
    session: Session, scope: ReportScope, by: str, key: Any, *, now: datetime
) -> dict[Any, tuple[CaseCounts, Spreads]]:
    """case_cells per team or agent (`by`, `key` its facts column): the period's whole weeks
    from the case-week rollup and the days at its edges from the facts (ADR 103)."""
    if not case_days.servable(scope) or not read_mark(session, case_weeks.MARK):
        return case_cells(session, scope, key, now=now)
    scope = every_brand(session, scope)
    span = case_weeks.whole_weeks(scope)
    if span is None:
        return case_cells(session, scope, key, now=now)
    out: dict[Any, tuple[CaseCounts, Durations]] = case_weeks.read_weeks(
        session, scope, span, by, now=now
    )
    first, end = span
    _add_edges(
        out,
        scope,
        case_weeks.week_start(first) if first is not None else None,
        case_weeks.week_start(end) if end is not None else None,
        lambda edge: case_values(session, edge, key, now=now),
    )
    return {k: (c, v.spreads()) for k, (c, v) in out.items()}


def _add_edges(
    out: dict[Any, tuple[CaseCounts, Durations]],
    scope: ReportScope,
    inner_since: datetime | None,
    inner_until: datetime | None,
    read: Callable[[ReportScope], dict[Any, tuple[CaseCounts, Durations]]],
) -> None:
    """Add to `out` (read from a rollup for [inner_since, inner_until)) the cells `read` gives
    for the rest of the scope's period at either end."""
    edges = []
    if inner_since is not None and scope.since is not None:
        edges.append(replace(scope, until=inner_since))
    if inner_until is not None and scope.until is not None:
        edges.append(replace(scope, since=inner_until))
    for edge in edges:
        if edge.since is not None and edge.until is not None and edge.since >= edge.until:
            continue
        for key, (counts, values) in read(edge).items():
            if key in out:
                out[key][0].add(counts)
                out[key][1].extend(values)
            else:
                out[key] = (counts, values)


def day_cells(
    session: Session, scope: ReportScope, *, now: datetime
) -> dict[str, tuple[CaseCounts, Durations]]:
    """Per UTC day the scope's cases were opened ('YYYY-MM-DD'), their counts and measured
    values: one read that the summary and the day, week and month tables of the same minute
    all sum up from (counts add, and a period's values are its days' values), so the exact
    medians and p90s do not need the case facts read again (ADR 91)."""
    return cached(
        session,
        ("day_cells", scope, minute(now)),
        lambda: sum_cells(brand_day_cells(session, scope, now=now), lambda key: key[1]),
    )


def brand_day_cells(
    session: Session, scope: ReportScope, *, now: datetime
) -> dict[tuple[int, str], tuple[CaseCounts, Durations]]:
    """The day cells kept apart per brand ((brand id, 'YYYY-MM-DD')): what the day cells and
    the by-brand table are both summed from."""
    return cached(
        session,
        ("brand_day_cells", scope, minute(now)),
        lambda: _brand_day_cells(session, scope, now=now),
    )


def _brand_day_cells(
    session: Session, scope: ReportScope, *, now: datetime
) -> dict[tuple[int, str], tuple[CaseCounts, Durations]]:
    if not case_days.servable(scope) or not read_mark(session, case_days.MARK):
        return _facts_day_cells(session, scope, now=now)
    scope = every_brand(session, scope)
    span = case_days.whole_days(scope)
    if span is None:
        return _facts_day_cells(session, scope, now=now)
    # Whole days from the rollup, the partial first and last days from the facts (ADR 95).
    out = case_days.read_days(session, scope, span, now=now)
    first, end = span
    _add_edges(
        out,
        scope,
        case_days.day_start(first) if first is not None else None,
        case_days.day_start(end) if end is not None else None,
        lambda edge: _facts_day_cells(session, edge, now=now),
    )
    return out


def _facts_day_cells(
    session: Session, scope: ReportScope, *, now: datetime
) -> dict[tuple[int, str], tuple[CaseCounts, Durations]]:
    day = day_expr(session, CaseFacts.opened_at)
    counts = _case_counts(session, scope, day, now=now, by_brand=True)
    values = _durations(session, scope, day, now=now, by_brand=True)
    out: dict[tuple[int, str], tuple[CaseCounts, Durations]] = {}
    for (brand, k), c in counts.items():
        label = period_label("day", k)
        assert label is not None, "every case has an opening time"
        out[(brand, label)] = (c, values.get((brand, k), Durations()))
    return out


def sum_cells(
    cells: dict[K, tuple[CaseCounts, Durations]], pick: Callable[[K], Any]
) -> dict[Any, tuple[CaseCounts, Durations]]:
    """Cells summed per `pick(key)` into new cells (the ones given, perhaps remembered for
    other pages, are left as they are)."""
    merged: dict[Any, tuple[CaseCounts, Durations]] = {}
    for key, (counts, values) in cells.items():
        k = pick(key)
        if k not in merged:
            merged[k] = (CaseCounts(), Durations())
        merged[k][0].add(counts)
        merged[k][1].extend(values)
    return merged


def sum_days(
    days: dict[K, tuple[CaseCounts, Durations]], pick: Callable[[K], Any]
) -> dict[Any, tuple[CaseCounts, Spreads]]:
    """Day cells summed per `pick(key)` (None: one cell of everything), with their spreads."""
    return {k: (c, v.spreads()) for k, (c, v) in sum_cells(days, pick).items()}


def _case_counts(
    session: Session, scope: ReportScope, key: Any, *, now: datetime, by_brand: bool = False
) -> dict[Any, CaseCounts]:
    """Case counts per key (per (brand id, key) with `by_brand`), summed in SQL."""
    f = CaseFacts
    groups: list[Any] = [f.brand_id] if by_brand else []
    groups.append(key if key is not None else literal(None))
    met, settled = sla_sums(now)
    counts_query = (
        select(
            *groups,
            func.count(),
            flag(f.first_response_at.is_not(None)),
            flag(f.resolved_at.is_not(None)),
            flag(f.resolved_at.is_not(None) | (f.reopens > 0)),
            flag(f.reopens > 0),
            flag(f.automated.is_(True)),
            flag(f.automation_replied.is_(True) | f.handoff.is_(True)),
            flag(f.handoff.is_(True)),
            met,
            settled,
            flag(in_backlog()),
        )
        .where(*fact_filters(scope))
        .group_by(*groups)
    )
    width = len(groups)
    return {
        (tuple(row[:width]) if by_brand else row[0]): CaseCounts(
            *(int(n or 0) for n in row[width:])
        )
        for row in session.execute(counts_query)
    }


# The measured seconds in this order (_durations reads them so).
MEASURES = (
    ("first_response", CaseFacts.first_response_s),
    ("first_response_bh", CaseFacts.first_response_bh_s),
    ("next_response", CaseFacts.next_response_s),
    ("resolution", CaseFacts.resolution_s),
    ("resolution_bh", CaseFacts.resolution_bh_s),
)


def _durations(
    session: Session, scope: ReportScope, key: Any, *, now: datetime, by_brand: bool = False
) -> dict[Any, Durations]:
    """The measured values (every case with any measure) and backlog ages per key (per
    (brand id, key) with `by_brand`), read once and ranked later in Python, which is faster
    than window functions on SQLite."""
    f = CaseFacts
    values: dict[Any, Durations] = defaultdict(Durations)
    measured = or_(*(column.is_not(None) for _, column in MEASURES))
    keys = [f.brand_id, key] if by_brand else [key]
    query = select(*keys, *(column for _, column in MEASURES)).where(*fact_filters(scope), measured)
    # Unrolled over MEASURES' order: at 20 brands' 30 days this loop sees ~33,000 rows.
    for k, first, first_bh, next_, resolution, resolution_bh in _keyed(
        session.execute(query), by_brand
    ):
        held = values[k]
        if first is not None:
            held.first_response.append(float(first))
        if first_bh is not None:
            held.first_response_bh.append(float(first_bh))
        if next_ is not None:
            held.next_response.append(float(next_))
        if resolution is not None:
            held.resolution.append(float(resolution))
        if resolution_bh is not None:
            held.resolution_bh.append(float(resolution_bh))
    for k, opened in _keyed(
        session.execute(select(*keys, f.opened_at).where(*fact_filters(scope), in_backlog())),
        by_brand,
    ):
        values[k].backlog_age.append(max(0.0, (now - opened).total_seconds()))
    return dict(values)


def _keyed(rows: Iterable[Any], by_brand: bool) -> Iterable[Any]:
    """Rows as (key, values...), the key being (brand id, key) when the brand leads them."""
    if not by_brand:
        return rows
    return (((brand, k), *rest) for brand, k, *rest in rows)


def tally_posts(session: Session, scope: ReportScope, key: Any = None) -> dict[Any, PostTally]:
    """Inbound posts, noise and sentiment labels per key (one grouped query per half)."""
    filtered = func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0))

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    sums = [func.count(), filtered, label("positive"), label("neutral"), label("negative")]
    found = post_sums(session, scope, [key] if key is not None else [], sums)
    out: dict[Any, PostTally] = {}
    for keys, (total, noise, pos, neu, neg) in found.items():
        out[keys[0] if keys else None] = PostTally(total, noise, pos, neu, neg)
    return out


# The post cube: inbound posts summed per (brand, UTC hour, network, intent), the grain every
# post-based number of the overview can be summed up from (ADR 91).
CubeKey = tuple[int, str, str, str | None]  # brand id, 'YYYY-MM-DD HH' (UTC), network, intent


Cube = dict[CubeKey, list[int]]  # inbound, filtered, positive, neutral, negative


def post_cube(session: Session, scope: ReportScope, now: datetime | None) -> Cube:
    """The scope's inbound posts per brand, UTC hour, network and intent, read once per scope
    and minute of `now` (None: the cache's lifetime), so the summary, per-period tables, volume
    series and busiest hours of one page do not each read the posts again."""
    when = minute(now) if now is not None else None
    return cached(session, ("post_cube", scope, when), lambda: _post_cube(session, scope))


def remembered_cube(session: Session, scope: ReportScope, now: datetime | None) -> Cube | None:
    """The scope's post cube if a page already read it this minute (else None: a single
    number is then cheaper to count directly than the whole cube)."""
    when = minute(now) if now is not None else None
    found: Cube | None = peek(session, ("post_cube", scope, when))
    return found


def _post_cube(session: Session, scope: ReportScope) -> Cube:
    filtered = func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0))

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    keys = [POST_BRAND, hour_expr(session, Post.created_at), Post.network, Post.intent]
    sums = [func.count(), filtered, label("positive"), label("neutral"), label("negative")]
    out: Cube = {}
    # A tight loop: at 20 brands' 30 days the cube has ~37,000 cells.
    for query in post_queries(scope, *keys, *sums, grouped=len(keys)):
        for brand, hour, network, intent, n, noise, pos, neu, neg in session.execute(query):
            key = (int(brand), str(hour)[:13], str(network), intent)
            have = out.get(key)
            numbers = [int(n), int(noise or 0), int(pos or 0), int(neu or 0), int(neg or 0)]
            if have is None:
                out[key] = numbers
            else:
                for i, value in enumerate(numbers):
                    have[i] += value
    return out


def cube_tally(cube: Cube, pick: Callable[[CubeKey], Any]) -> dict[Any, PostTally]:
    """The cube summed per `pick(cell key)`: what tally_posts gives for that key."""
    out: dict[Any, list[int]] = {}
    for key, (n, noise, pos, neu, neg) in cube.items():
        picked = pick(key)
        have = out.get(picked)
        if have is None:
            out[picked] = [n, noise, pos, neu, neg]
        else:
            have[0] += n
            have[1] += noise
            have[2] += pos
            have[3] += neu
            have[4] += neg
    return {k: PostTally(*numbers) for k, numbers in out.items()}


def tally_surveys(session: Session, scope: ReportScope, key: Any = None) -> dict[Any, SurveyTally]:
    """CSAT and NPS scores per key of the answered cases (counted per score in SQL: a few
    rows per key instead of one per answer)."""
    group = [key if key is not None else literal(None), SurveyResponse.kind, SurveyResponse.score]
    query = survey_query(scope, *group, func.count()).group_by(*group)
    if key is not None and any(key is c for c in FACT_KEYS):
        keyed = (scope.team_id, scope.agent_id, scope.network, scope.intent, scope.issue_id)
        if all(v is None for v in keyed):
            query = query.outerjoin(CaseFacts, CaseFacts.case_id == SurveyResponse.case_id)
    out: dict[Any, SurveyTally] = defaultdict(SurveyTally.empty)
    for k, kind, score, n in session.execute(query):
        tally = out[k]
        if kind == "nps":
            tally.nps.extend([int(score)] * int(n))
        elif kind == "csat":
            tally.csat.extend([int(score)] * int(n))
    return out
