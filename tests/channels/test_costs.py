"""Prices per call, spend per case and month, and polling that slows before the budget."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from atdesk.channels.base import ChannelDeps, ReadBatch
from atdesk.channels.costs import (
    X_DEFAULT_PRICES,
    MonthlyBudget,
    MonthlyBudgetGuard,
    UnlimitedBudget,
    call_cost,
    metered,
    next_month_start,
    paced_poll_delay,
    price_table_from_mapping,
)
from atdesk.channels.observer import ApiCall, HealthKind, Operation, RecordingObserver
from atdesk.channels.poller import run_poller
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.provider import XChannel
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from tests.channels.conftest import BRAND, RecordingClock

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def call(operation: Operation, items: int = 1, status: int = 200) -> ApiCall:
    return ApiCall(Network.X, BRAND, operation, "GET", "e", status, NOW, items)


def test_default_prices_are_the_issues_and_failed_calls_are_free() -> None:
    assert call_cost(call(Operation.READ_POST, 10), X_DEFAULT_PRICES) == Decimal("0.050")
    assert call_cost(call(Operation.DM_EVENT, 3), X_DEFAULT_PRICES) == Decimal("0.03")
    assert call_cost(call(Operation.CREATE_POST), X_DEFAULT_PRICES) == Decimal("0.015")
    assert call_cost(call(Operation.CREATE_POST_WITH_LINK), X_DEFAULT_PRICES) == Decimal("0.20")
    assert call_cost(call(Operation.READ_POST, 10, status=429), X_DEFAULT_PRICES) == 0
    assert call_cost(call(Operation.STREAM_RULES), X_DEFAULT_PRICES) == 0


def test_an_admin_can_change_prices_but_not_invent_operations() -> None:
    table = price_table_from_mapping({"read_post": "0.004", "create_post": 0.02})
    assert table.price(Operation.READ_POST) == Decimal("0.004")
    assert table.price(Operation.CREATE_POST_WITH_LINK) == Decimal("0.20")
    assert price_table_from_mapping(table.to_json()) == table
    with pytest.raises(ValueError, match="unknown operation 'read_tweet'"):
        price_table_from_mapping({"read_tweet": 1})
    with pytest.raises(ValueError, match="zero or more"):
        price_table_from_mapping({"read_post": -1})
    with pytest.raises(ValueError, match="must be a number"):
        price_table_from_mapping({"read_post": "cheap"})


def test_months_roll_over_in_utc() -> None:
    assert next_month_start(NOW) == datetime(2026, 12, 1, tzinfo=UTC)
    assert next_month_start(datetime(2026, 12, 31, 23, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_pacing_is_normal_below_the_threshold_and_stretches_above_it() -> None:
    budget = MonthlyBudget(Decimal("100"), slow_from=0.8)
    normal = paced_poll_delay(
        budget=budget, spent=Decimal("50"), now=NOW, base_interval=60, cost_per_poll=Decimal("1")
    )
    assert normal == 60
    slow = paced_poll_delay(
        budget=budget, spent=Decimal("90"), now=NOW, base_interval=60, cost_per_poll=Decimal("1")
    )
    left = (next_month_start(NOW) - NOW).total_seconds()
    assert slow == pytest.approx(left / 10)
    done = paced_poll_delay(
        budget=budget, spent=Decimal("99.5"), now=NOW, base_interval=60, cost_per_poll=Decimal("1")
    )
    assert done == left


def test_the_guard_learns_what_a_poll_costs() -> None:
    spent = [Decimal("0")]
    guard = MonthlyBudgetGuard(
        MonthlyBudget(Decimal("10"), slow_from=0.5), lambda: spent[0], now=lambda: NOW
    )
    assert guard.pace(Network.X, BRAND).delay == 60 and not guard.pace(Network.X, BRAND).throttled
    guard.record_poll(Network.X, BRAND, Decimal("1"))
    guard.record_poll(Network.X, BRAND, Decimal("2"))
    assert guard.estimated_cost_per_poll(Network.X, BRAND) == Decimal("1.2")
    spent[0] = Decimal("6")
    pace = guard.pace(Network.X, BRAND)
    assert pace.throttled and pace.delay > 60 and "6 of the 10" in pace.reason


def test_the_poller_slows_before_the_budget_is_exceeded(
    x_emulator: XEmulator, x_account: XAccount, observer: RecordingObserver
) -> None:
    clock = RecordingClock()
    deps, meter = metered(
        ChannelDeps(observer=observer, clock=clock, timeout=2.0), X_DEFAULT_PRICES
    )
    budget = MonthlyBudget(Decimal("0.10"), slow_from=0.5)
    guard = MonthlyBudgetGuard(budget, meter.read, base_interval=30, now=lambda: NOW)
    stored: list[ReadBatch[XAccount]] = []
    stop = threading.Event()

    def persist(batch: ReadBatch[XAccount]) -> None:
        stored.append(batch)
        for _ in batch.events:
            x_emulator.post("dana", f"@{BRAND} and another thing {len(stored)}")

    for i in range(4):
        x_emulator.post("dana", f"@{BRAND} issue {i}")
    channel = XChannel(deps, poll_dms=False)
    account = run_poller(
        channel, x_account, persist, deps=deps, guard=guard, meter=meter, stop=stop, max_rounds=8
    )
    assert meter.read() <= budget.limit
    assert clock.sleeps[0] == 30 and max(clock.sleeps) > 30
    notices = [n for n in observer.notices if n.kind is HealthKind.BUDGET_THROTTLED]
    assert len(notices) == 1 and "monthly budget" in notices[0].message
    assert guard.pace(Network.X, BRAND).blocked
    assert x_emulator.count("GET", "/2/users/*/mentions") == 5
    assert account.mentions.high_water == stored[-1].account.mentions.high_water


def test_an_unlimited_budget_polls_at_the_base_interval(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, clock: RecordingClock
) -> None:
    deps, meter = metered(deps, X_DEFAULT_PRICES)
    run_poller(
        XChannel(deps),
        x_account,
        lambda batch: None,
        deps=deps,
        guard=UnlimitedBudget(45),
        meter=meter,
        stop=threading.Event(),
        max_rounds=3,
    )
    assert clock.sleeps == [45, 45]
