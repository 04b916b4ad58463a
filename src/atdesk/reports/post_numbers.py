"""Inbound post numbers from the post-hour rollup (ADR 95): whole hours of the period from the
stored rows (whole days from their day sums, ADR 102), the period's partial first and last
hours and the posts stored since the last refresh from the posts table, so every number equals
counting the posts themselves.

The rollup holds brand, UTC hour, network and intent: scopes narrowed to a team, an agent or
an emerging issue count the posts directly (cells.post_sums).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from atdesk.models import Post, ReportPostDay, ReportPostHour
from atdesk.reports.cells import POST_BRAND, every_brand, post_sums
from atdesk.reports.periods import day_expr, hour_expr
from atdesk.reports.post_hours import EPOCH, epoch_hour, hour_of_text, hour_start, read_mark
from atdesk.reports.scope import ReportScope

# What each tally sums, in PostTally's order.
SUM_NAMES = ("inbound", "filtered", "positive", "neutral", "negative")
PostKey = tuple[Any, ...]
Rollup = type[ReportPostHour] | type[ReportPostDay]


def servable(scope: ReportScope) -> bool:
    """Whether the rollup answers this scope (its keys are brand, hour, network, intent)."""
    return scope.team_id is None and scope.agent_id is None and scope.issue_id is None


def _ceil_hour(moment: datetime) -> int:
    hour = epoch_hour(moment)
    return hour if hour_start(hour) == moment.astimezone(UTC) else hour + 1


def _day_text(day: int) -> str:
    """'YYYY-MM-DD' of a day number (days since 1970-01-01, the rollup's hour // 24)."""
    return (EPOCH + timedelta(days=day)).date().isoformat()


def _live_sums() -> list[Any]:
    filtered = func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0))

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    return [func.count(), filtered, label("positive"), label("neutral"), label("negative")]


def _live_key(session: Session, name: str) -> Any:
    return {
        "brand": POST_BRAND,
        "day": day_expr(session, Post.created_at),
        "hour": hour_expr(session, Post.created_at),
        "network": Post.network,
        "intent": Post.intent,
    }[name]


def _rollup_key(name: str, r: Rollup = ReportPostHour) -> Any:
    grain: dict[str, Any] = {"day": ReportPostDay.day}
    if r is ReportPostHour:
        grain = {"day": ReportPostHour.hour // 24, "hour": ReportPostHour.hour}
    return {"brand": r.brand_id, "network": r.network, "intent": r.intent, **grain}[name]


def _normal(name: str, value: Any, *, live: bool) -> Any:
    """One key value as both halves give it: brand id, 'YYYY-MM-DD', hour number, text."""
    if value is None:
        return None
    if name == "brand":
        return int(value)
    if name == "day":
        return str(value)[:10] if live else _day_text(int(value))
    if name == "hour":
        return hour_of_text(value) if live else int(value)
    return str(value)


def _add(out: dict[PostKey, list[int]], key: PostKey, numbers: Sequence[Any]) -> None:
    have = out.get(key)
    if have is None:
        out[key] = [int(n or 0) for n in numbers]
    else:
        for i, n in enumerate(numbers):
            have[i] += int(n or 0)


def rollup_filters(
    scope: ReportScope, first: int | None, end: int | None, r: Rollup = ReportPostHour
) -> list[Any]:
    """The scope as conditions on a rollup, over its whole hours (days) [first, end)."""
    grain = ReportPostDay.day if r is ReportPostDay else ReportPostHour.hour
    out: list[ColumnElement[bool]] = []
    if scope.brand_ids is not None:
        out.append(r.brand_id.in_(scope.brand_ids))
    if scope.network is not None:
        out.append(r.network == scope.network)
    if scope.intent is not None:
        out.append(r.intent == scope.intent)
    if first is not None:
        out.append(grain >= first)
    if end is not None:
        out.append(grain < end)
    return out


Span = tuple[int | None, int | None]


def by_grain(span: Span) -> tuple[list[Span], Span | None]:
    """Whole hours [first, end) as the whole UTC days among them (None: none) and the hours
    before and after those days: the day rows answer the middle (ADR 102)."""
    first, end = span
    day_first = None if first is None else -(-first // 24)
    day_end = None if end is None else end // 24
    if day_first is not None and day_end is not None and day_first >= day_end:
        return [span], None
    hours: list[Span] = []
    if first is not None and day_first is not None and first < day_first * 24:
        hours.append((first, day_first * 24))
    if end is not None and day_end is not None and day_end * 24 < end:
        hours.append((day_end * 24, end))
    return hours, (day_first, day_end)


def whole_hours(scope: ReportScope) -> tuple[int | None, int | None] | None:
    """The whole UTC hours [first, end) of the period (None bounds: open), or None if none."""
    first = _ceil_hour(scope.since) if scope.since is not None else None
    end = epoch_hour(scope.until) if scope.until is not None else None
    if first is not None and end is not None and first >= end:
        return None
    return first, end


def live_parts(
    scope: ReportScope, span: tuple[int | None, int | None] | None, mark: int, newest: int
) -> list[tuple[ReportScope, list[ColumnElement[bool]]]]:
    """The scopes and conditions of the posts the rollup does not hold: the partial hours at
    either end of the period (posts up to the mark) and every post stored after the mark
    (none when the newest post id is the mark: then no query walks the period for them)."""
    parts: list[tuple[ReportScope, list[ColumnElement[bool]]]] = []
    if newest > mark:
        parts.append((scope, [Post.id > mark]))
    upto = [Post.id <= mark]
    if span is None:
        return [(scope, [])]
    first, end = span
    if first is not None and scope.since is not None and hour_start(first) > scope.since:
        parts.append((_between(scope, scope.since, hour_start(first)), upto))
    if end is not None and scope.until is not None and hour_start(end) < scope.until:
        parts.append((_between(scope, hour_start(end), scope.until), upto))
    return parts


def _between(scope: ReportScope, since: datetime, until: datetime) -> ReportScope:
    return ReportScope(
        scope.brand_ids,
        team_id=scope.team_id,
        agent_id=scope.agent_id,
        network=scope.network,
        intent=scope.intent,
        issue_id=scope.issue_id,
        since=since,
        until=until,
    )


def post_totals(
    session: Session, scope: ReportScope, by: Sequence[str]
) -> dict[PostKey, list[int]]:
    """Per value of the `by` keys ('brand', 'day', 'hour', 'network', 'intent'), the inbound
    posts, filtered ones and sentiment labels (SUM_NAMES) of a servable scope; no key: one
    row keyed () when there is any post."""
    assert servable(scope), "team, agent and issue scopes count the posts directly"
    scope = every_brand(session, scope)
    out: dict[PostKey, list[int]] = {}
    mark = read_mark(session)
    span = whole_hours(scope)
    if span is not None and mark:
        parts: list[tuple[Rollup, Span]] = [(ReportPostHour, span)]
        if "hour" not in by:
            hours, days = by_grain(span)
            parts = [(ReportPostHour, h) for h in hours]
            if days is not None:
                parts.append((ReportPostDay, days))
        for table, stretch in parts:
            _sum_rollup(session, out, scope, by, table, stretch)
    live_keys = [_live_key(session, name) for name in by]
    newest = int(session.scalar(select(func.coalesce(func.max(Post.id), 0))) or 0)
    for part, where in live_parts(scope, span, mark, newest):
        for key, numbers in post_sums(session, part, live_keys, _live_sums(), where=where).items():
            if not any(numbers):
                continue
            normal = tuple(_normal(name, key[i], live=True) for i, name in enumerate(by))
            _add(out, normal, numbers)
    return out


def _sum_rollup(
    session: Session,
    out: dict[PostKey, list[int]],
    scope: ReportScope,
    by: Sequence[str],
    r: Rollup,
    span: Span,
) -> None:
    """Add one rollup's sums over the span to `out`, per value of the `by` keys."""
    keys = [_rollup_key(name, r) for name in by]
    sums = [func.sum(r.inbound), func.sum(r.filtered), func.sum(r.positive)]
    sums += [func.sum(r.neutral), func.sum(r.negative)]
    query = select(*keys, *sums).where(*rollup_filters(scope, *span, r))
    if keys:
        query = query.group_by(*keys)
    for row in session.execute(query):
        if row[len(by)] is None:  # no row at all: SUM over nothing
            continue
        key = tuple(_normal(name, row[i], live=False) for i, name in enumerate(by))
        _add(out, key, row[len(by) :])
