"""The post-hour rollup (report_post_hours), refreshed in the case facts' pass and rebuilt
exactly from the stored posts (ADR 95).

The rows always hold exactly the posts with ids up to the `posts` mark, so a reader adds the
posts above it from the posts table and is exact at any moment, even while a pass runs or
after one died. A pass has two steps:

1. The hours of the posts of every case the facts pass recomputes (a case that changed brand,
   took in a merged case's posts, had a post released from noise; a rebuild: every hour) are
   recomputed whole, over every brand, from the posts up to the mark, a chunk of hours per
   short transaction. A pass cut short finds those cases (still stale) again.
2. The posts stored since (ids above the mark) are added to their cells a chunk of ids at a
   time, each chunk in one short transaction with the mark moved past it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from atdesk.models import Post, ReportPostDay, ReportPostHour
from atdesk.reports import marks
from atdesk.reports.cells import POST_BRAND, post_queries
from atdesk.reports.periods import hour_expr
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import session_factory, transaction

MARK = "posts"
HOUR_CHUNK = 48  # hours recomputed per short write
POST_CHUNK = 5000  # new posts added per short write
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
    return marks.read_mark(session, MARK)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _whole_days(hours: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    """Sorted hour numbers in chunks of about `size` that never split a UTC day, so each
    day's sums are rewritten once (a chunk may run up to 23 hours over `size`)."""
    chunk: list[int] = []
    for hour in hours:
        if len(chunk) >= size and hour // 24 != chunk[-1] // 24:
            yield chunk
            chunk = []
        chunk.append(hour)
    if chunk:
        yield chunk


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


def changed_hours(session: Session, case_ids: Sequence[int], mark: int) -> set[int]:
    """The hours whose rolled-up posts (ids up to the mark) the recomputed cases may change."""
    hour = hour_expr(session, Post.created_at)
    found: set[Any] = set()
    for chunk in _chunks(case_ids, ID_CHUNK):
        query = select(hour).where(Post.case_id.in_(chunk), Post.id <= mark).distinct()
        found |= set(session.scalars(query))
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
    cells: Cells = {}
    for first, end in _runs(list(hours)):
        scope = ReportScope(None, since=hour_start(first), until=hour_start(end))
        _count_into(cells, session, scope, [Post.id <= top])
    return _rows(cells)


Cells = dict[tuple[int, int, str, str | None], list[int]]


def _count_into(cells: Cells, session: Session, scope: ReportScope, where: list[Any]) -> None:
    """Add the scope's inbound posts (and `where`) to their (brand, hour, network, intent)."""
    filtered = func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0))

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    keys = [POST_BRAND, hour_expr(session, Post.created_at), Post.network, Post.intent]
    sums = [func.count(), filtered, label("positive"), label("neutral"), label("negative")]
    for query in post_queries(scope, *keys, *sums, grouped=len(keys)):
        for brand, stamp, network, intent, *numbers in session.execute(query.where(*where)):
            key = (int(brand), hour_of_text(stamp), str(network), intent)
            have = cells.setdefault(key, [0, 0, 0, 0, 0])
            for i, value in enumerate(numbers):
                have[i] += int(value or 0)


def _rows(cells: Cells) -> list[dict[str, Any]]:
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
    """Replace these hours' rows and their days' sums (one short write)."""
    hours = sorted(hours)
    for chunk in _chunks(hours, ID_CHUNK):
        session.execute(delete(ReportPostHour).where(ReportPostHour.hour.in_(chunk)))
    if rows:
        session.execute(insert(ReportPostHour), list(rows))
    sum_days(session, hours)


def sum_days(session: Session, hours: Iterable[int]) -> None:
    """Rewrite the day rows of these hours' UTC days from the hour rows (ADR 102), in the
    transaction that changed the hours, so the two tables always hold the same posts."""
    days = sorted({hour // 24 for hour in hours})
    h, d = ReportPostHour, ReportPostDay
    for first, end in _runs(days):
        session.execute(delete(d).where(d.day >= first, d.day < end))
        day = h.hour // 24
        summed = (
            select(h.brand_id, day, h.network, h.intent, *(func.sum(c) for c in _NUMBERS))
            .where(h.hour >= first * 24, h.hour < end * 24)
            .group_by(h.brand_id, day, h.network, h.intent)
        )
        columns = ["brand_id", "day", "network", "intent", *NUMBER_NAMES]
        session.execute(insert(d).from_select(columns, summed))


def add_posts(session: Session, cells: Cells, top: int) -> None:
    """Add new posts' counts to their rows and move the mark to `top` (one short write)."""
    r = ReportPostHour
    hours = sorted({hour for _, hour, _, _ in cells})
    existing: dict[tuple[int, int, str, str | None], tuple[int, list[int]]] = {}
    for chunk in _chunks(hours, ID_CHUNK):
        query = select(r.id, r.brand_id, r.hour, r.network, r.intent, *_NUMBERS).where(
            r.hour.in_(chunk)
        )
        for row_id, brand, hour, network, intent, *numbers in session.execute(query):
            existing[(brand, hour, network, intent)] = (row_id, list(numbers))
    updates, inserts = [], []
    for key, numbers in cells.items():
        if key in existing:
            row_id, held = existing[key]
            summed = [a + b for a, b in zip(held, numbers, strict=True)]
            updates.append({"id": row_id, **dict(zip(NUMBER_NAMES, summed, strict=True))})
        else:
            inserts.extend(_rows({key: numbers}))
    if updates:
        session.execute(update(ReportPostHour), updates)
    if inserts:
        session.execute(insert(ReportPostHour), inserts)
    sum_days(session, hours)
    save_mark(session, top)


NUMBER_NAMES = ("inbound", "filtered", "positive", "neutral", "negative")
_NUMBERS = tuple(getattr(ReportPostHour, name) for name in NUMBER_NAMES)


def save_mark(session: Session, top: int) -> None:
    """Record that the rollup holds every post up to `top`."""
    marks.save_mark(session, top, MARK)


def refresh_post_hours(
    url: str, case_ids: Sequence[int], *, everything: bool = False, also: Iterable[int] = ()
) -> int:
    """Bring the post-hour rollup up to date (`everything`: every hour); returns how many hours
    were recomputed and cells added to (0: nothing changed).

    `case_ids` are the cases the facts pass recomputes: their posts' hours are recomputed too,
    and so are the hours in `also` (whose posts were purged or erased).
    """
    reader = session_factory(url)
    with reader() as session:
        mark = read_mark(session)
        top = int(session.scalar(select(func.coalesce(func.max(Post.id), 0))) or 0)
        hours = every_hour(session, mark) if everything else changed_hours(session, case_ids, mark)
    hours |= set(also)
    ordered = sorted(hours)
    for chunk in _whole_days(ordered, HOUR_CHUNK):
        with reader() as session:
            rows = compute_hours(session, chunk, mark)
        with transaction(url) as session:
            write_hours(session, chunk, rows)
    added = 0
    start = mark
    while start < top:
        end = min(start + POST_CHUNK, top)
        cells: Cells = {}
        with reader() as session:
            _count_into(cells, session, ReportScope(None), [Post.id > start, Post.id <= end])
        with transaction(url) as session:
            add_posts(session, cells, end)
        added += len(cells)
        start = end
    return len(ordered) + added


def rollup_snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every hour row, then every day row, as comparable tuples, for checks that a refresh
    equals a rebuild."""
    out: list[tuple[Any, ...]] = []
    for r, grain in ((ReportPostHour, ReportPostHour.hour), (ReportPostDay, ReportPostDay.day)):
        columns = (r.brand_id, grain, r.network, r.intent, r.inbound, r.filtered, r.positive)
        rest = (r.neutral, r.negative)
        query = select(*columns, *rest).order_by(r.brand_id, grain, r.network, r.intent)
        out.extend((r.__tablename__, *row) for row in session.execute(query))
    return out
