"""Inbound posts are read in two halves (the post's own brand, else its case's) and once per
page as a per-(brand, hour, network, intent) cube; every number equals the single query over
`coalesce(posts.brand_id, cases.brand_id)` that both replace (ADR 91)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import Session

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import Brand, Case, Post
from atdesk.reports import cache
from atdesk.reports.cells import remembered_cube, tally_posts
from atdesk.reports.metrics import (
    breakdown,
    busiest_hours,
    read_posts_once,
    summarize,
    volume_series,
)
from atdesk.reports.periods import period_expr, period_label
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run

NOW = T0 + timedelta(days=30)
Tally = tuple[int, int, int, int, int]


def _reference(session: Session, scope: ReportScope, key: Any) -> dict[Any, Tally]:
    """The one-query form the engine used before: a brand by coalesce over an outer join."""
    brand = func.coalesce(Post.brand_id, Case.brand_id)

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    query = (
        select(
            key if key is not None else literal(None),
            func.count(),
            func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0)),
            label("positive"),
            label("neutral"),
            label("negative"),
        )
        .select_from(Post)
        .outerjoin(Case, Case.id == Post.case_id)
        .where(Post.inbound.is_(True), Post.listen_only.is_(False), brand.is_not(None))
    )
    if key is not None:
        query = query.group_by(key)
    if scope.brand_ids is not None:
        query = query.where(brand.in_(scope.brand_ids))
    return {k: tuple(int(n or 0) for n in rest) for k, *rest in session.execute(query)}  # type: ignore[misc]


def _seed(url: str) -> tuple[int, int]:
    """Two brands; one of Acme's customer posts names no brand (counted by its case's)."""
    with transaction(url) as session:
        acme = make_brand(session)
        other = make_brand_b(session)
        run(
            session,
            post("1", "@acmehelp my parcel is late, this is awful"),
            brand_reply("2", "@dana sorry, looking", minutes=20, in_reply_to="1"),
            post("3", "@acmehelp thanks, great help", minutes=70, in_reply_to="2"),
            post("4", "@acmehelp refund please", author="45", handle="eli", minutes=60 * 26),
            post("5", "@acmehelp win free crypto now http://spam.example", author="46", minutes=5),
            post("6", "@otherhelp where is my order", author="47", handle="flo", minutes=60 * 50),
        )
        # A customer answering in the thread without naming the brand: the post is the
        # brand's through its case.
        session.execute(update(Post).where(Post.native_id == "3").values(brand_id=None))
        return acme.id, other.id


def make_brand_b(session: Session) -> Brand:
    """A second brand, @otherhelp on X."""
    return create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])


@pytest.mark.parametrize("warm", [False, True], ids=["direct", "cube"])
@pytest.mark.parametrize("only_acme", [False, True], ids=["two_brands", "one_brand"])
def test_every_post_number_equals_the_single_coalesce_query(
    settings: Settings, only_acme: bool, warm: bool
) -> None:
    """Counted directly (an API asking one number) or summed from the cube an overview page
    reads first, every post number is the one query's."""
    url = settings.database_url
    acme, other = _seed(url)
    scope = ReportScope((acme,) if only_acme else (acme, other))
    cache.invalidate()
    with transaction(url) as session:
        if warm:
            read_posts_once(session, scope, now=NOW)
            assert remembered_cube(session, scope, NOW) is not None
        else:
            assert remembered_cube(session, scope, NOW) is None
        assert session.scalar(select(func.count()).where(Post.brand_id.is_(None))) >= 1
        brand = func.coalesce(Post.brand_id, Case.brand_id)
        total = _reference(session, scope, None)
        [everything] = total.values()
        summary = summarize(session, scope, now=NOW)
        assert summary.inbound == everything[0]
        assert summary.filtered_share == everything[1] / everything[0]
        assert summary.negative_share == everything[4] / everything[0]
        assert everything[0] == (4 if only_acme else 5)

        for by, key in (("brand", brand), ("network", Post.network), ("intent", Post.intent)):
            expected = _reference(session, scope, key)
            rows = {r.key: r.metrics.inbound for r in breakdown(session, scope, by, now=NOW)}
            assert {str(k) if k is not None else "none": v[0] for k, v in expected.items()} == {
                k: v for k, v in rows.items() if v
            }, by
            direct = tally_posts(session, scope, key)
            assert {k: tuple(vars_of(t)) for k, t in direct.items()} == expected, by

        for by in ("day", "week", "month"):
            expected = _reference(session, scope, period_expr(session, by, Post.created_at))
            want = {period_label(by, k): v[0] for k, v in expected.items()}
            rows = breakdown(session, scope, by, now=NOW)  # type: ignore[arg-type]
            assert {r.key: r.metrics.inbound for r in rows if r.metrics.inbound} == want, by

        series = volume_series(session, scope, by="brand", bucket="day", now=NOW)
        assert sum(sum(c) for c in series.counts.values()) == everything[0]
        assert series.buckets[0] == "2026-03-02"
        assert len(series.buckets) == (2 if only_acme else 3)  # Other's post is on 4 March
        grid = busiest_hours(session, scope, NOW)
        assert sum(map(sum, grid)) == everything[0]
        assert grid[T0.weekday()][T0.hour] == 2
    cache.invalidate()


def vars_of(tally: Any) -> Tally:
    """A PostTally as the reference query's tuple."""
    return (tally.inbound, tally.filtered, tally.positive, tally.neutral, tally.negative)
