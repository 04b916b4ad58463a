"""The post-hour rollup (report_post_hours), refreshed in the case facts' pass and rebuilt
exactly from the stored posts (ADR 95).

A refresh recomputes every UTC hour that may have changed: the hours of posts stored since the
last pass (post ids above the `posts` mark) and the hours of the posts of every case the facts
pass recomputes (a case that changed brand, took in a merged case's posts or had a post
released from noise). An hour is recomputed whole, over every brand, from the posts with ids up
to the new mark, and written in a short transaction per chunk of hours; the mark moves only
when every hour found is written, so a pass cut short finds the same hours again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from atdesk.models import Post, ReportPostHour, ReportRollupMark
from atdesk.reports.cells import POST_BRAND, post_queries
from atdesk.reports.periods import hour_expr
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import session_factory, transaction

MARK = "posts"
HOUR_CHUNK = 48  # hours recomputed per short write
ID_CHUNK = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_hour(moment: datetime) -> int:
    """Whole hours since 1970-01-01 00:00 UTC of a moment (its UTC hour's number)."""
    return int((moment.astimezone(UTC) - EPOCH).total_seconds() // 3600)


def hour_start(hour: int) -> datetime:
    """The UTC moment an hour number starts."""
    return EPOCH + timedelta(hours=hour)


def hour_of_text(stamp: Any) -> int:
    """The hour number of an hour_expr value ('YYYY-MM-DD HH', UTC)."""
    text = str(stamp)
    moment = datetime(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), tzinfo=UTC)
    return epoch_hour(moment)


def read_mark(session: Session) -> int:
    """The highest post id the rollup holds (0 before the first pass)."""
    found = session.scalar(select(ReportRollupMark.value).where(ReportRollupMark.name == MARK))
    return int(found or 0)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _runs(hours: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Sorted hour numbers as [first, end) runs of consecutive hours."""
    if not hours:
        return
    first = last = hours[0]
    for hour in hours[1:]:
        if hour != last + 1:
            yield first, last + 1
            first = hour
        last = hour
    yield first, last + 1


def changed_hours(session: Session, case_ids: Sequence[int], mark: int, top: int) -> set[int]:
    """The hours whose rows may differ: posts stored since the mark, and the recomputed cases'."""
    hour = hour_expr(session, Post.created_at)
    found = set(session.scalars(select(hour).where(Post.id > mark, Post.id <= top).distinct()))
    for chunk in _chunks(case_ids, ID_CHUNK):
        found |= set(session.scalars(select(hour).where(Post.case_id.in_(chunk)).distinct()))
    return {hour_of_text(h) for h in found if h is not None}


def every_hour(session: Session, top: int) -> set[int]:
    """Every hour with a post (up to `top`) or with a row: what a rebuild recomputes."""
    hour = hour_expr(session, Post.created_at)
    found = {
        hour_of_text(h) for h in session.scalars(select(hour).where(Post.id <= top).distinct())
    }
    return found | set(session.scalars(select(ReportPostHour.hour).distinct()))


def compute_hours(session: Session, hours: Sequence[int], top: int) -> list[dict[str, Any]]:
    """The rollup rows of these (sorted) hours, over the posts with ids up to `top`."""
    filtered = func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0))

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    keys = [POST_BRAND, hour_expr(session, Post.created_at), Post.network, Post.intent]
    sums = [func.count(), filtered, label("positive"), label("neutral"), label("negative")]
    cells: dict[tuple[int, int, str, str | None], list[int]] = {}
    for first, end in _runs(list(hours)):
        scope = ReportScope(None, since=hour_start(first), until=hour_start(end))
        for query in post_queries(scope, *keys, *sums, grouped=len(keys)):
            for brand, stamp, network, intent, *numbers in session.execute(
                query.where(Post.id <= top)
            ):
                key = (int(brand), hour_of_text(stamp), str(network), intent)
                have = cells.setdefault(key, [0, 0, 0, 0, 0])
                for i, value in enumerate(numbers):
                    have[i] += int(value or 0)
    return [
        {
            "brand_id": brand,
            "hour": hour,
            "network": network,
            "intent": intent,
            "inbound": n,
            "filtered": noise,
            "positive": pos,
            "neutral": neu,
            "negative": neg,
        }
        for (brand, hour, network, intent), (n, noise, pos, neu, neg) in sorted(
            cells.items(), key=lambda item: (item[0][1], item[0][0], item[0][2], item[0][3] or "")
        )
    ]


def write_hours(session: Session, hours: Iterable[int], rows: Sequence[dict[str, Any]]) -> None:
    """Replace these hours' rows (one short write)."""
    for chunk in _chunks(sorted(hours), ID_CHUNK):
        session.execute(delete(ReportPostHour).where(ReportPostHour.hour.in_(chunk)))
    if rows:
        session.execute(insert(ReportPostHour), list(rows))


def save_mark(session: Session, top: int) -> None:
    """Record that the rollup holds every post up to `top`."""
    held = session.scalar(select(ReportRollupMark.value).where(ReportRollupMark.name == MARK))
    if held is None:
        session.execute(insert(ReportRollupMark).values(name=MARK, value=top))
    else:
        session.execute(
            update(ReportRollupMark).where(ReportRollupMark.name == MARK).values(value=top)
        )


def refresh_post_hours(url: str, case_ids: Sequence[int], *, everything: bool = False) -> int:
    """Bring the post-hour rollup up to date (`everything`: every hour); returns hours written.

    `case_ids` are the cases the facts pass recomputes: their posts' hours are recomputed too.
    """
    reader = session_factory(url)
    with reader() as session:
        mark = read_mark(session)
        top = int(session.scalar(select(func.coalesce(func.max(Post.id), 0))) or 0)
        if everything:
            hours = every_hour(session, top)
        else:
            hours = changed_hours(session, case_ids, mark, top)
    ordered = sorted(hours)
    for chunk in _chunks(ordered, HOUR_CHUNK):
        with reader() as session:
            rows = compute_hours(session, chunk, top)
        with transaction(url) as session:
            write_hours(session, chunk, rows)
    if top != mark or everything:
        with transaction(url) as session:
            save_mark(session, top)
    return len(ordered)


def rollup_snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every rollup row as a comparable tuple, for checks that a refresh equals a rebuild."""
    r = ReportPostHour
    columns = (r.brand_id, r.hour, r.network, r.intent, r.inbound, r.filtered, r.positive)
    rest = (r.neutral, r.negative)
    query = select(*columns, *rest).order_by(r.brand_id, r.hour, r.network, r.intent)
    return [tuple(row) for row in session.execute(query)]
