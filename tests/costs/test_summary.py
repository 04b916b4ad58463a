"""Cost per resolution on hand-made cases: agent time at the hourly cost, API spend (calls made
for the case and reads of its posts), bot and rule runs at the cost per run; a case with no
activity; the month a case was resolved in; what is left out (open, history, after resolving)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.costs.settings import parse_settings, update_cost_settings
from atdesk.costs.summary import BrandCost, monthly_costs, resolution_costs
from atdesk.models import (
    AgentActivity,
    ApiCallRecord,
    ApiCharge,
    AutomationRule,
    BotDecision,
    Brand,
    Case,
    Post,
    RuleRun,
    User,
)
from atdesk.storage.session import transaction
from tests.costs.helpers import brand_and_agent, open_case, resolve

MARCH_END = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
APRIL_START = datetime(2026, 4, 1, 0, 10, tzinfo=UTC)


def _activity(
    session: Session, user: User, case: Case, kind: str, start: datetime, seconds: float
) -> None:
    session.add(
        AgentActivity(
            user_id=user.id,
            case_id=case.id,
            brand_id=case.brand_id,
            kind=kind,
            started_at=start,
            ended_at=start + timedelta(seconds=seconds),
            seconds=seconds,
        )
    )


def _call(session: Session, case_id: int | None, micros: int, *, month: str = "2026-03") -> int:
    call = ApiCallRecord(
        month=month,
        network="x",
        account="acmehelp",
        operation="reply" if case_id else "search",
        method="POST" if case_id else "GET",
        endpoint="/2/tweets",
        status=200,
        items=1,
        cost_micros=micros,
        currency="USD",
        case_id=case_id,
    )
    session.add(call)
    session.flush()
    return call.id


@pytest.fixture
def ledger(database_url: str) -> tuple[str, int, int]:
    """Acme: case A (resolved end of March, worked 300 s, API spend, 2 runs) and case B
    (resolved early April, no agent time, one bot run); an open case, a history case and
    another brand's case beside them."""
    with transaction(database_url) as session:
        acme, ana = brand_and_agent(session)
        update_cost_settings(
            acme,
            parse_settings(
                {"hourly_cost": "36", "bot_run_cost": "0.05", "phone_contact_cost": "6.00"}
            ),
        )
        a, b = open_case(session, "21"), open_case(session, "22", handle="finn")
        still_open = open_case(session, "23", handle="gus")
        archived = open_case(session, "24", handle="hal")
        resolve(a, MARCH_END)
        resolve(b, APRIL_START)
        resolve(archived, MARCH_END)
        archived.history = True
        work = MARCH_END - timedelta(minutes=20)
        _activity(session, ana, a, "viewing", work, 200)
        _activity(session, ana, a, "composing", work + timedelta(seconds=200), 100)
        _activity(session, ana, a, "viewing", MARCH_END + timedelta(minutes=5), 50)  # after
        _activity(session, ana, still_open, "viewing", work, 900)
        _activity(session, ana, archived, "viewing", work, 900)
        _call(session, a.id, 10_000)  # the reply: $0.01
        read = _call(session, None, 5_000)  # a search whose one post became case A: $0.005
        session.add(ApiCharge(call_id=read, network="x", native_id="21", cost_micros=5_000))
        rule = AutomationRule(brand_id=acme.id, name="Tag billing")
        session.add(rule)
        session.flush()
        posts = {p.case_id: p.id for p in session.scalars(select(Post))}
        session.add(BotDecision(brand_id=acme.id, case_id=a.id, outcome="handover"))
        session.add(RuleRun(rule_id=rule.id, post_id=posts[a.id], case_id=a.id))
        session.add(BotDecision(brand_id=acme.id, case_id=b.id, outcome="answered"))

        zz = Brand(name="Zz", settings={})
        session.add(zz)
        session.flush()
        return database_url, acme.id, zz.id


def test_a_brands_cost_adds_agent_time_api_spend_and_runs(ledger: tuple[str, int, int]) -> None:
    url, acme, zz = ledger
    with transaction(url) as session:
        costs = resolution_costs(session, brand_ids=None, since=None, until=None)
    assert set(costs) >= {acme, zz}
    got = costs[acme]
    assert got.resolved_cases == 2 and got.cases_with_activity == 1
    assert got.handling_seconds == 300.0  # the 50 s after resolving, open and history: out
    assert got.agent_cost == Decimal("3.00")  # 300 s at 36/h
    assert got.api_spend == Decimal("0.015")  # the reply, and the read of the case's post
    assert got.bot_runs == 3 and got.bot_cost == Decimal("0.15")  # 2 bot decisions, 1 rule run
    assert got.total == Decimal("3.165")
    assert got.per_resolution == Decimal("1.5825")
    assert got.phone_contact_cost == Decimal("6.00") and got.currency == "USD"
    assert got.times_cheaper == pytest.approx(6 / 1.5825)


def test_a_brand_without_resolutions_has_no_cost_per_resolution(
    ledger: tuple[str, int, int],
) -> None:
    url, _acme, zz = ledger
    with transaction(url) as session:
        costs = resolution_costs(session, brand_ids=[zz], since=None, until=None)
    assert list(costs) == [zz]
    assert costs[zz] == BrandCost(
        resolved_cases=0,
        handling_seconds=0.0,
        agent_cost=Decimal("0"),
        api_spend=Decimal("0"),
        bot_runs=0,
        bot_cost=Decimal("0"),
        total=Decimal("0"),
        per_resolution=None,
        phone_contact_cost=Decimal("6.00"),
        currency="USD",
    )
    assert costs[zz].times_cheaper is None


def test_cases_count_in_the_month_they_were_resolved(ledger: tuple[str, int, int]) -> None:
    url, acme, _zz = ledger
    with transaction(url) as session:
        months = monthly_costs(session, brand_ids=[acme], since=None, until=None)
    assert [(b, month) for b, month, _cost in months] == [(acme, "2026-03"), (acme, "2026-04")]
    march, april = months[0].cost, months[1].cost
    assert march.resolved_cases == 1 and march.per_resolution == Decimal("3.115")
    assert april.resolved_cases == 1 and april.handling_seconds == 0.0
    # A case nobody worked on costs only its bot run.
    assert april.agent_cost == Decimal("0") and april.per_resolution == Decimal("0.05")
    assert april.times_cheaper == pytest.approx(120.0)


def test_the_period_cuts_by_resolution_time_inclusive_then_exclusive(
    ledger: tuple[str, int, int],
) -> None:
    url, acme, _zz = ledger
    april = datetime(2026, 4, 1, tzinfo=UTC)
    with transaction(url) as session:
        before = resolution_costs(session, brand_ids=[acme], since=None, until=april)[acme]
        after = resolution_costs(session, brand_ids=[acme], since=april, until=None)[acme]
        exact = resolution_costs(session, brand_ids=[acme], since=APRIL_START, until=None)[acme]
    assert before.resolved_cases == 1 and before.total == Decimal("3.115")
    assert after.resolved_cases == 1 and after.total == Decimal("0.05")
    assert exact.resolved_cases == 1


def test_changing_the_hourly_cost_reprices_the_same_time(ledger: tuple[str, int, int]) -> None:
    url, acme, _zz = ledger
    with transaction(url) as session:
        brand = session.get(Brand, acme)
        assert brand is not None
        update_cost_settings(brand, parse_settings({"hourly_cost": "72", "bot_run_cost": "0"}))
    with transaction(url) as session:
        got = resolution_costs(session, brand_ids=[acme], since=None, until=None)[acme]
    assert got.agent_cost == Decimal("6.00") and got.bot_cost == Decimal("0")
    assert got.total == Decimal("6.015")
