"""The post-hour rollup (ADR 95): refreshed with the case facts through new posts, late posts
in hours already rolled up, reopens, merges and a pass cut short, it equals a rebuild row for
row; and every post number read through it equals counting the posts, for periods that start
and end inside an hour, posts stored after the last refresh, and brands in zones with
daylight saving or a half-hour offset (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from atdesk.brands.service import create_brand
from atdesk.cases.policies import set_hours
from atdesk.cases.service import resolve
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import Brand, Case, CaseFacts, Post, ReportCaseDay, ReportCaseWeek, Team, User
from atdesk.reports import cache, case_days, case_sums, case_weeks, post_hours
from atdesk.reports.case_days import case_days_snapshot
from atdesk.reports.case_weeks import case_weeks_snapshot
from atdesk.reports.cells import (
    POST_BRAND,
    brand_day_cells,
    case_cells,
    keyed_cells,
    post_sums,
    sum_days,
)
from atdesk.reports.facts import rebuild, refresh
from atdesk.reports.marks import read_mark
from atdesk.reports.metrics import breakdown
from atdesk.reports.periods import day_expr, hour_expr
from atdesk.reports.post_hours import rollup_snapshot
from atdesk.reports.post_numbers import post_totals
from atdesk.reports.scope import ReportScope
from atdesk.reports.week_hours import busiest_grid
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run

WEEK = {str(day): [["09:00", "17:00"]] for day in range(5)}


def questions(prefix: str, count: int, *, every_minutes: int, author: int) -> list[dict[str, Any]]:
    """`count` customers' first posts to the brand, one every `every_minutes`."""
    return [
        post(f"{prefix}{n}", f"@acmehelp help {n}", author=f"{author + n}", handle=f"{prefix}{n}",
             minutes=n * every_minutes)
        for n in range(count)
    ]  # fmt: skip


def matches_rebuild(url: str) -> list[tuple[Any, ...]]:
    """The incremental rollups equal a rebuild's, row for row; returns the post-hour rows."""
    with transaction(url) as session:
        incremental = rollup_snapshot(session)
        days = case_days_snapshot(session)
        weeks = case_weeks_snapshot(session)
        assert days and weeks, "the case-day and case-week rollups are kept"
        case_days.rebuild_all(session)
        case_weeks.rebuild_all(session)
        assert case_days_snapshot(session) == days
        assert case_weeks_snapshot(session) == weeks
        session.rollback()
    rebuild(url)
    with transaction(url) as session:
        assert case_days_snapshot(session) == days
        assert case_weeks_snapshot(session) == weeks
    with transaction(url) as session:
        rebuilt = rollup_snapshot(session)
    assert incremental == rebuilt
    hours = [row[1:] for row in rebuilt if row[0] == "report_post_hours"]
    days = [row[1:] for row in rebuilt if row[0] == "report_post_days"]
    assert sum(r[4] for r in days) == sum(r[4] for r in hours), "the days sum the hours"
    return hours


def test_an_incremental_refresh_equals_a_rebuild_through_every_change(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp my card was charged twice, awful"),
            brand_reply("2", "@dana refunded", minutes=30, in_reply_to="1"),
            post("3", "@acmehelp win free crypto now http://spam.example", author="46", minutes=5),
            post("4", "@acmehelp router dead", author="47", handle="flo", minutes=130),
        )
    refresh(url)
    rows = matches_rebuild(url)
    assert sum(r[4] for r in rows) == 3, "three inbound posts, the brand's reply left out"

    # A late post in an hour already rolled up, and a reopen after a resolution.
    with transaction(url) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case is not None
        resolve(session, case, actor="ana", at=T0 + timedelta(hours=1))
        run(
            session,
            post("5", "@acmehelp also my statement", author="48", handle="gus", minutes=10),
            post("6", "@acmehelp charged AGAIN", minutes=300, in_reply_to="2"),
        )
    refresh(url)
    rows = matches_rebuild(url)
    assert sum(r[4] for r in rows) == 5

    # Two conversations that a brand reply later merges into one case.
    with transaction(url) as session:
        run(
            session,
            post("11", "@acmehelp my parcel is lost", author="49", handle="hal", minutes=600),
            post("13", "@acmehelp still lost", author="49", handle="hal", minutes=700,
                 in_reply_to="12"),
        )  # fmt: skip
    refresh(url)
    with transaction(url) as session:
        run(session, brand_reply("12", "@hal on it", minutes=650, in_reply_to="11"))
    refresh(url)
    rows = matches_rebuild(url)
    assert sum(r[4] for r in rows) == 7

    # A pass cut short after its first post: the mark moved past it alone, the next pass adds
    # the rest, and the rollup is whole.
    with transaction(url) as session:
        run(
            session,
            *(
                post(f"2{n}", "@acmehelp help", author=f"50{n}", handle=f"c{n}", minutes=60 * n)
                for n in range(1, 5)
            ),
        )
        before = post_hours.read_mark(session)
    written: list[int] = []
    real = post_hours.add_posts

    def crash_on_second(session: Session, cells: Any, top: int) -> None:
        written.append(top)
        if len(written) == 2:
            raise RuntimeError("the process died mid-pass")
        real(session, cells, top)

    monkeypatch.setattr(post_hours, "POST_CHUNK", 1)
    monkeypatch.setattr(post_hours, "add_posts", crash_on_second)
    with pytest.raises(RuntimeError):
        refresh(url)
    monkeypatch.undo()
    with transaction(url) as session:
        assert post_hours.read_mark(session) == before + 1, "the mark moves with each write"
        # Read meanwhile, the numbers are still exact: posts past the mark are counted live.
        totals = post_totals(session, ReportScope(None), ())
        counted = _reference(session, ReportScope(None), [])
        assert totals == counted and counted[()][0] > 7
    refresh(url)
    rows = matches_rebuild(url)
    assert sum(r[4] for r in rows) == counted[()][0]


def _reference(
    session: Session, scope: ReportScope, keys: list[Any]
) -> dict[tuple[Any, ...], list[int]]:
    """The posts counted directly, keys normalised as post_totals gives them."""

    def label(name: str) -> Any:
        return func.sum(case((Post.sentiment == name, 1), else_=0))

    noise = func.sum(case((Post.filtered_reason.is_not(None), 1), else_=0))
    sums = [func.count(), noise, label("positive"), label("neutral"), label("negative")]
    found = post_sums(session, scope, keys, sums)
    out: dict[tuple[Any, ...], list[int]] = {}
    for key, numbers in found.items():
        if numbers[0]:
            out[tuple(int(k) if isinstance(k, int) else str(k)[:10] for k in key)] = numbers
    return out


def _grid_reference(session: Session, scope: ReportScope, zones: dict[int, str]) -> list[list[int]]:
    """Each post's UTC hour in its brand's zone, as the grid was made before the rollup."""
    grid = [[0] * 24 for _ in range(7)]
    keys = [POST_BRAND, hour_expr(session, Post.created_at)]
    for (brand, stamp), (n,) in post_sums(session, scope, keys, [func.count()]).items():
        moment = datetime.strptime(str(stamp)[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
        local = moment.astimezone(ZoneInfo(zones[int(brand)]))
        grid[local.weekday()][local.hour] += n
    return grid


def test_every_post_number_through_the_rollup_equals_counting_the_posts(
    settings: Settings,
) -> None:
    url = settings.database_url
    zones = {"Acme": "Europe/Madrid", "Other": "Asia/Kolkata"}
    with transaction(url) as session:
        acme = make_brand(session)
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        for brand in (acme, other):
            set_hours(session, brand, timezone=zones[brand.name], week=WEEK, actor="test")
        # Posts every 7 hours 40 minutes for five weeks across Madrid's change to summer time
        # (29 March 2026), on both brands and two networks' worth of intents.
        payloads = []
        for n in range(110):
            handle = "otherhelp" if n % 3 == 0 else "acmehelp"
            words = ("refund please", "great help, thanks", "this is awful")[n % 3]
            payloads.append(
                post(f"p{n}", f"@{handle} {words} {n}", author=f"60{n % 17}", handle=f"u{n % 17}",
                     minutes=n * 460)
            )  # fmt: skip
        run(session, *payloads)
        # A customer answering without naming the brand: counted by the case's brand.
        session.execute(update(Post).where(Post.native_id == "p4").values(brand_id=None))
        ids = {b.name: b.id for b in session.scalars(select(Brand))}
    refresh(url)
    with transaction(url) as session:
        # Posts stored after the refresh, inside hours that are rolled up already.
        run(
            session,
            post("late1", "@acmehelp one more", author="7001", handle="late", minutes=461),
            post("late2", "@otherhelp and me", author="7002", handle="late2", minutes=9000),
        )
    by_zone = {ids[name]: zone for name, zone in zones.items()}
    cache.invalidate()
    with transaction(url) as session:
        assert post_hours.read_mark(session) > 0
        total = session.scalar(select(func.count()).where(Post.inbound.is_(True)))
        scopes = [
            ReportScope(None),
            ReportScope((ids["Acme"],)),
            ReportScope(
                tuple(ids.values()),
                since=T0 + timedelta(hours=5, minutes=17),
                until=T0 + timedelta(days=33, minutes=41),
            ),
            ReportScope(
                (ids["Other"],), since=T0 + timedelta(minutes=30), until=T0 + timedelta(minutes=50)
            ),
            ReportScope(
                tuple(ids.values()), intent=None, network="x", since=T0 + timedelta(days=3)
            ),
        ]
        for scope in scopes:
            for by, keys in (
                ((), []),
                (("brand",), [POST_BRAND]),
                (("day", "intent"), [day_expr(session, Post.created_at), Post.intent]),
                (("network",), [Post.network]),
            ):
                got = post_totals(session, scope, by)
                assert got == _reference(session, scope, keys), (scope, by)
            assert busiest_grid(session, scope) == _grid_reference(session, scope, by_zone), scope
        everything = post_totals(session, ReportScope(None), ())[()][0]
        assert everything == total == 112


def test_the_by_brand_table_read_from_the_case_days_equals_the_facts_row_by_row(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        acme = make_brand(session)
        create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        set_hours(session, acme, timezone="Europe/Madrid", week=WEEK, actor="test")
        payloads = []
        for n in range(40):  # a question every 5 hours over 8 days, most answered
            handle = "otherhelp" if n % 3 == 0 else "acmehelp"
            start = n * 300
            payloads.append(post(f"q{n}", f"@{handle} help {n}", author=f"62{n:02d}",
                                 handle=f"w{n}", minutes=start))  # fmt: skip
            if n % 4:  # the brand answers, 7n minutes later
                payloads.append(post(f"r{n}", "@x on it", author="1200000000" if n % 3 else
                                     "1300000000", handle=handle, minutes=start + 7 * n,
                                     in_reply_to=f"q{n}"))  # fmt: skip
        run(session, *payloads)
    refresh(url)
    cache.invalidate()
    later = T0 + timedelta(days=20)
    with transaction(url) as session:
        ids = tuple(session.scalars(select(Brand.id)))
        for scope in (
            ReportScope(None),
            ReportScope(ids, since=T0 + timedelta(hours=13), until=T0 + timedelta(days=6, hours=2)),
            ReportScope(ids[:1], since=T0 + timedelta(days=2)),
        ):
            from_days = sum_days(brand_day_cells(session, scope, now=later), lambda k: k[0])
            assert from_days == case_cells(session, scope, CaseFacts.brand_id, now=later), scope
            rows = {row.key: row.metrics for row in breakdown(session, scope, "brand", now=later)}
            assert {k: m.cases for k, m in rows.items()} == {
                str(k): c.cases for k, (c, _) in from_days.items()
            }
        everything = breakdown(session, ReportScope(None), "brand", now=later)
        assert sum(row.metrics.cases for row in everything) == 40
        assert all(row.metrics.first_response_median_s is not None for row in everything)


def test_the_team_and_agent_tables_read_from_the_case_weeks_equal_the_facts_row_by_row(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        payloads = []
        for n in range(60):  # a question every 5 hours over 12 days, most answered
            handle = "otherhelp" if n % 3 == 0 else "acmehelp"
            start = n * 300
            payloads.append(post(f"q{n}", f"@{handle} help {n}", author=f"63{n:02d}",
                                 handle=f"v{n}", minutes=start))  # fmt: skip
            if n % 4:
                payloads.append(post(f"r{n}", "@x on it", author="1200000000" if n % 3 else
                                     "1300000000", handle=handle, minutes=start + 11 * n,
                                     in_reply_to=f"q{n}"))  # fmt: skip
        run(session, *payloads)
        teams = [Team(name="Parcels"), Team(name="Billing")]
        agents = [User(username=name, role="agent", password_hash="x") for name in ("ana", "bo")]
        session.add_all([*teams, *agents])
        session.flush()
        cases = sorted(session.scalars(select(Case)), key=lambda c: c.opened_at)
        for n, case_ in enumerate(cases):
            case_.team_id = (teams[0].id, teams[1].id, None)[n % 3]
            case_.assignee_id = (agents[0].id, agents[1].id, None, agents[0].id)[n % 4]
        moved, to_team, to_agent = cases[8].id, teams[1].id, agents[1].id
        ids = tuple(session.scalars(select(Brand.id)))
    refresh(url)
    later = T0 + timedelta(days=30)
    scopes = (
        ReportScope(None),
        # Thursday-to-Thursday weeks: one whole week inside, days at both ends from the facts.
        ReportScope(ids, since=T0 + timedelta(hours=13), until=T0 + timedelta(days=11)),
        ReportScope(ids[:1], since=T0 + timedelta(days=2, hours=15)),
        ReportScope(ids, since=T0 + timedelta(days=4), until=T0 + timedelta(days=5)),  # no week
    )

    def same_as_the_facts() -> dict[str, int]:
        cache.invalidate()
        with transaction(url) as session:
            assert read_mark(session, case_weeks.MARK) == 1, "the weeks are read, not the facts"
            for scope in scopes:
                for by, key in (("team", CaseFacts.team_id), ("agent", CaseFacts.assignee_id)):
                    from_weeks = keyed_cells(session, scope, by, key, now=later)
                    assert from_weeks == case_cells(session, scope, key, now=later), (scope, by)
            rows = breakdown(session, ReportScope(None), "team", now=later)
            cache.invalidate()
            # The post numbers read on a second connection at the same time: the same rows.
            assert breakdown(session, ReportScope(None), "team", now=later, side=True) == rows
            assert sum(row.metrics.inbound for row in rows) == 60
            return {row.key: row.metrics.cases for row in rows}

    assert (
        case_weeks.whole_weeks(scopes[1]) is not None and case_weeks.whole_weeks(scopes[3]) is None
    )
    assert same_as_the_facts() == {str(teams[0].id): 20, str(teams[1].id): 20, "none": 20}
    # Handed to another team and agent: the case leaves its old week row and joins the new one.
    with transaction(url) as session:
        case_ = session.get(Case, moved)
        assert case_ is not None and case_.team_id is None
        case_.team_id, case_.assignee_id = to_team, to_agent
    refresh(url)
    assert same_as_the_facts() == {str(teams[0].id): 20, str(teams[1].id): 21, "none": 19}
    matches_rebuild(url)


def test_a_rebuild_rewrites_each_days_post_sums_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(session, *questions("d", 20, every_minutes=7 * 60, author=6400))
    refresh(url)
    days: list[int] = []
    real = post_hours.sum_days

    def counted(session: Session, hours: Any) -> None:
        hours = list(hours)
        days.extend({hour // 24 for hour in hours})
        real(session, hours)

    monkeypatch.setattr(post_hours, "HOUR_CHUNK", 5)  # ~1.5 days of these posts' hours
    monkeypatch.setattr(post_hours, "sum_days", counted)
    rebuild(url)
    assert len(days) >= 6, "the posts span six days"
    assert len(days) == len(set(days)), "no day is summed twice"
    monkeypatch.undo()
    matches_rebuild(url)


def test_a_refresh_shifts_the_cells_it_touches_without_reading_their_whole_days(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(
            session,
            *questions("s", 12, every_minutes=40, author=6500),
            post("m1", "@acmehelp my parcel is lost", author="6600", handle="m", minutes=30),
            post("m3", "@acmehelp still lost", author="6600", handle="m", minutes=90,
                 in_reply_to="m2"),
        )  # fmt: skip
        team = Team(name="Parcels")
        session.add(team)
    refresh(url)  # the first pass fills the rollups whole

    def whole(*args: Any) -> None:
        raise AssertionError("a cell was rewritten from every case of its day or week")

    monkeypatch.setattr(case_days, "_rewrite", whole)
    monkeypatch.setattr(case_weeks, "_rewrite", whole)
    with transaction(url) as session:
        cases = list(session.scalars(select(Case).order_by(Case.id)))
        resolve(session, cases[0], actor="ana", at=T0 + timedelta(hours=1))
        cases[1].team_id = team.id
        run(
            session,
            brand_reply("r2", "@s2 on it", minutes=100, in_reply_to="s2"),
            brand_reply("m2", "@m on it", minutes=60, in_reply_to="m1"),  # merges two cases
            post("s99", "@acmehelp new one", author="6699", handle="n", minutes=600),
        )
    refresh(url)
    with transaction(url) as session:
        facts = set(session.scalars(select(CaseFacts.case_id)))
        assert facts == set(session.scalars(select(Case.id))), "the merged-away case's dropped"
        assert len(facts) == 14
    monkeypatch.undo()
    matches_rebuild(url)


def test_a_cell_that_does_not_hold_what_leaves_it_is_rewritten_from_the_facts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(session, *questions("d", 6, every_minutes=30, author=6700))
    refresh(url)
    rewritten: list[str] = []
    for rollup in (case_days, case_weeks):
        real = rollup._rewrite

        def counted(*args: Any, real: Any = real, name: str = rollup.MARK) -> None:
            rewritten.append(name)
            real(*args)

        monkeypatch.setattr(rollup, "_rewrite", counted)

    # Cells written before ADR 107 kept their moment lists unsorted: a shift still finds the
    # values that leave, and the cell comes out as a rebuild writes it.
    with transaction(url) as session:
        for row in session.scalars(select(ReportCaseDay)):
            lists = case_sums.unpack(row.values_blob)
            row.values_blob = case_sums.pack({k: v[::-1] for k, v in lists.items()})
        first = session.scalars(select(Case).order_by(Case.id)).first()
        assert first is not None
        resolve(session, first, actor="ana", at=T0 + timedelta(hours=2))
    refresh(url)
    assert rewritten == []
    matches_rebuild(url)

    # A cell that lost a case (written by hand): the shift cannot take the case out of it, so
    # the day and the week are rewritten from the facts.
    with transaction(url) as session:
        session.execute(update(ReportCaseDay).values(cases=ReportCaseDay.cases - 6))
        session.execute(update(ReportCaseWeek).values(cases=0))
        second = session.scalars(select(Case).order_by(Case.id).offset(1)).first()
        assert second is not None
        resolve(session, second, actor="ana", at=T0 + timedelta(hours=2))
    refresh(url)
    assert sorted(set(rewritten)) == ["case_days", "case_weeks"]
    matches_rebuild(url)
