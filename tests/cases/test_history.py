"""History cases (ADR 73): marked by a history ingest, no SLA clock, out of the working views
until a customer writes again live."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.queries import CaseFilter, HistoryScope, brand_counts, inbox_counts, list_cases
from atdesk.cases.sla import DEFAULT_TARGETS
from atdesk.domain.cases import View
from atdesk.domain.posts import RawEvent
from atdesk.models import Brand, Case, Post
from atdesk.pipeline.ingest import ingest_file
from atdesk.pipeline.runner import process_events
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run

ARCHIVE = datetime(2017, 10, 31, 21, 49, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
TWCS = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
1,sprintcare,False,Tue Oct 31 21:54:49 +0000 2017,@115712 Please send us a Private Message.,,2
2,115712,True,Tue Oct 31 21:49:35 +0000 2017,@sprintcare is the worst customer service,1,
3,115713,True,Tue Oct 31 22:00:00 +0000 2017,@sprintcare my voicemail is broken,,
"""


def archived(native_id: str, text: str, *, minutes: float = 0, **extra: Any) -> dict[str, Any]:
    """A post from 2017, as a history file holds it."""
    return {
        **post(native_id, text, **extra),
        "created_at": (ARCHIVE + timedelta(minutes=minutes)).isoformat(),
    }


def history(session: Session, *payloads: dict[str, Any]) -> None:
    """Load payloads the way `atdesk ingest` does: as history."""
    process_events(session, [RawEvent(source="jsonl", payload=p) for p in payloads], history=True)


def case_of(session: Session, native_id: str) -> Case:
    """The case holding a post."""
    case = session.scalar(
        select(Case).join(Post, Post.case_id == Case.id).where(Post.native_id == native_id)
    )
    assert case is not None, f"no case holds post {native_id}"
    return case


def seed(session: Session) -> Brand:
    """One live case (parcel) and two history cases of 2017 (router, invoice)."""
    brand = make_brand(session)
    run(session, post("10", "@acmehelp my parcel is lost", minutes=0))
    history(
        session,
        archived("20", "@acmehelp my router keeps dropping", author="51", handle="rita"),
        brand_reply("21", "@rita sorry, DM us", minutes=0, in_reply_to="20")
        | {"created_at": (ARCHIVE + timedelta(minutes=5)).isoformat()},
        archived("30", "@acmehelp invoice wrong again", author="52", handle="ivan", minutes=9),
    )
    return brand


def test_history_ingest_marks_cases_and_replay_brands(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(TWCS, encoding="utf-8")
    report = ingest_file(path, database_url, warn=lambda _: None)
    assert report.cases_opened == 2
    with transaction(database_url) as session:
        cases = session.scalars(select(Case)).all()
        assert [c.history for c in cases] == [True, True]
        for case in cases:
            assert case.sla_due_at is None and case.first_response_due_at is None
            assert case.next_response_due_at is None and case.resolution_due_at is None
            assert case.assignee_id is None and case.live_since is None
        brand = session.scalars(select(Brand)).one()
        assert brand.name == "sprintcare" and brand.replay_only


def test_working_views_and_counts_leave_history_out(database_url: str) -> None:
    with transaction(database_url) as session:
        brand = seed(session)
        base = CaseFilter(now=NOW)
        views, _ = inbox_counts(session, base, {})
        assert views[View.ALL] == 1 and views[View.UNASSIGNED] == 1
        assert views[View.HISTORY] == 2
        assert views[View.BREACHING] == 0, "history never breaches, the live case is in time"
        late, _ = inbox_counts(session, replace(base, now=T0 + timedelta(days=3650)), {})
        assert late[View.BREACHING] == 1, "only the live case runs late"
        listed, total = list_cases(session, base)
        assert total == 1 and [c.subject for c in listed] == ["@acmehelp my parcel is lost"]
        kept, total = list_cases(session, replace(base, view=View.HISTORY))
        assert total == 2 and all(c.history and c.sla_due_at is None for c in kept)
        both, total = list_cases(session, replace(base, history=HistoryScope.INCLUDE))
        assert total == 3 and len(both) == 3
        only, total = list_cases(session, replace(base, history=HistoryScope.ONLY))
        assert total == 2 and {c.id for c in only} == {c.id for c in kept}
        assert brand_counts(session, base) == {brand.id: 1}
        assert brand_counts(session, replace(base, view=View.HISTORY)) == {brand.id: 2}


def test_saved_filters_count_history_only_in_the_history_view(database_url: str) -> None:
    with transaction(database_url) as session:
        seed(session)
        base = CaseFilter(now=NOW)
        saved = {
            "billing": replace(base, intent="billing"),
            "history billing": replace(base, intent="billing", view=View.HISTORY),
            "router search": replace(base, search="router"),
            "router in history": replace(base, search="router", view=View.HISTORY),
        }
        _, counts = inbox_counts(session, base, saved)
        assert counts == {
            "billing": 0,
            "history billing": 1,
            "router search": 0,
            "router in history": 1,
        }


def test_search_finds_history_when_the_history_view_is_chosen(database_url: str) -> None:
    with transaction(database_url) as session:
        seed(session)
        working, total = list_cases(session, CaseFilter(search="router", now=NOW))
        assert total == 0 and not working
        found, total = list_cases(session, CaseFilter(search="router", view=View.HISTORY, now=NOW))
        assert total == 1 and found[0].history
        by_handle, _ = list_cases(session, CaseFilter(search="@ivan", view=View.HISTORY))
        assert [c.customer_author.handle for c in by_handle] == ["ivan"]


def test_a_live_customer_post_makes_a_history_case_a_working_one(database_url: str) -> None:
    with transaction(database_url) as session:
        seed(session)
        old = case_of(session, "30")
        reopened_at = T0 + timedelta(minutes=10)
        run(
            session,
            post("31", "@acmehelp still wrong in 2026!", author="52", handle="ivan", minutes=10)
            | {"in_reply_to": "30"},
        )
        session.refresh(old)
        assert not old.history
        assert old.live_since == reopened_at
        targets = DEFAULT_TARGETS[old.priority]
        assert old.first_response_due_at == reopened_at + timedelta(
            minutes=targets.first_response
        ), "clocked from the live post, not from 2017"
        assert old.resolution_due_at == reopened_at + timedelta(minutes=targets.resolution)
        assert old.sla_due_at == old.first_response_due_at
        views, _ = inbox_counts(session, CaseFilter(now=NOW), {})
        assert views[View.ALL] == 2 and views[View.HISTORY] == 1


def test_waking_an_answered_history_case_clocks_the_next_reply_from_now(
    database_url: str,
) -> None:
    with transaction(database_url) as session:
        seed(session)
        router = case_of(session, "20")
        assert router.first_response_at is not None, "the brand answered in 2017"
        run(
            session,
            post("22", "@acmehelp it is dropping again", author="51", handle="rita", minutes=20)
            | {"in_reply_to": "21"},
        )
        session.refresh(router)
        live = T0 + timedelta(minutes=20)
        assert not router.history and router.live_since == live
        assert router.first_response_due_at is None
        targets = DEFAULT_TARGETS[router.priority]
        assert router.next_response_due_at == live + timedelta(minutes=targets.next_response)
        assert router.resolution_due_at == live + timedelta(minutes=targets.resolution)


def test_a_brand_reply_or_a_history_post_does_not_wake_a_history_case(database_url: str) -> None:
    with transaction(database_url) as session:
        seed(session)
        run(session, brand_reply("32", "@ivan looking into it", minutes=11, in_reply_to="30"))
        history(
            session,
            archived("33", "@acmehelp hello?", author="52", handle="ivan", minutes=60)
            | {"in_reply_to": "32"},
        )
        case = case_of(session, "30")
        assert case.history and case.sla_due_at is None and case.live_since is None


def test_migration_marks_replayed_cases_and_unclaimed_brands(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(TWCS, encoding="utf-8")
    with transaction(database_url) as session:
        make_brand(session)
        run(session, post("10", "@acmehelp my parcel is lost"))
    ingest_file(path, database_url, warn=lambda _: None)
    downgrade(database_url, "0010")
    upgrade(database_url)
    with transaction(database_url) as session:
        marks = {c.brand.name: c.history for c in session.scalars(select(Case))}
        assert marks == {"Acme": False, "sprintcare": True}
        assert all(c.sla_due_at is None for c in session.scalars(select(Case).where(Case.history)))
        brands = {b.name: b.replay_only for b in session.scalars(select(Brand))}
        assert brands == {"Acme": False, "sprintcare": True}
