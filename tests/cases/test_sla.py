"""SLA clocks on cases: targets by priority in business hours, moved by replies and by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from atdesk.cases.actions import resolve_case, set_priority
from atdesk.cases.policies import add_holiday, set_hours, set_targets
from atdesk.cases.sla import Targets
from atdesk.config import Settings
from atdesk.domain.cases import sla_state
from atdesk.domain.triage import Priority
from atdesk.models import Case
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run

WEEKDAYS = {str(d): [["09:00", "17:00"]] for d in range(5)}


def test_first_response_due_counts_business_hours_and_holidays(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        set_targets(session, brand, {"normal": Targets(120, 240, 960)}, actor="test")
        set_hours(session, brand, timezone="UTC", week=WEEKDAYS, actor="test")
        add_holiday(session, brand, date(2026, 3, 3), "Founders' day", actor="test")
        # T0 is Monday 2 March 2026 09:00 UTC; at 16:00 one hour is left that day.
        run(session, post("1", "@acmehelp where is my parcel", minutes=7 * 60))
        case = session.scalars(select(Case)).one()
        assert case.priority == "normal"
        assert case.first_response_due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
        assert case.sla_due_at == case.first_response_due_at
        assert case.resolution_due_at == datetime(2026, 3, 5, 16, 0, tzinfo=UTC)


def test_replies_stop_one_clock_and_a_customer_waiting_again_starts_the_next(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        set_targets(session, brand, {"normal": Targets(60, 30, 600)}, actor="test")
        run(session, post("1", "@acmehelp where is my parcel", minutes=0))
        run(session, brand_reply("2", "@dana looking into it", minutes=20, in_reply_to="1"))
        case = session.scalars(select(Case)).one()
        assert case.first_response_due_at is None and case.next_response_due_at is None
        assert case.sla_due_at == T0 + timedelta(minutes=600), "only resolution still runs"
        run(session, post("3", "@acmehelp any news?", minutes=90, in_reply_to="2"))
        session.refresh(case)
        assert case.next_response_due_at == T0 + timedelta(minutes=120)
        assert case.sla_due_at == case.next_response_due_at
        resolve_case(session, case, actor="test")
        assert case.sla_due_at is None and case.resolution_due_at is None


def test_a_priority_set_by_hand_survives_new_posts_and_tightens_the_clock(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        set_targets(
            session,
            brand,
            {"normal": Targets(240, 240, 1440), "urgent": Targets(15, 15, 120)},
            actor="test",
        )
        run(session, post("1", "@acmehelp where is my parcel", minutes=0))
        case = session.scalars(select(Case)).one()
        set_priority(session, case, Priority.URGENT, actor="test")
        assert case.first_response_due_at == T0 + timedelta(minutes=15)
        run(session, post("2", "@acmehelp hello??", minutes=5, in_reply_to="1"))
        session.refresh(case)
        assert case.priority == "urgent" and case.priority_manual
        assert case.first_response_due_at == T0 + timedelta(minutes=15)


def test_policy_changes_apply_to_open_cases_at_once(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        run(session, post("1", "@acmehelp where is my parcel", minutes=0))
        case = session.scalars(select(Case)).one()
        assert case.first_response_due_at == T0 + timedelta(hours=4), "built-in default"
        set_targets(session, brand, {"normal": Targets(30, 60, 600)}, actor="test")
        session.refresh(case)
        assert case.first_response_due_at == T0 + timedelta(minutes=30)


def test_sla_state_warns_before_the_breach() -> None:
    now = T0
    assert sla_state(None, now) == ""
    assert sla_state(now - timedelta(minutes=1), now) == "breached"
    assert sla_state(now + timedelta(minutes=10), now) == "warning"
    assert sla_state(now + timedelta(hours=3), now) == "ok"
