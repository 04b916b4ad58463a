"""What API calls cost, and a monthly budget that slows polling before it is exceeded.

X bills per call since 2026 (reading a post about $0.005, a DM event $0.01, creating a post
$0.015, a post with a link $0.20). Prices change, so they live in a configurable table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from atdesk.channels.base import ChannelDeps
from atdesk.channels.observer import ApiCall, FanoutObserver, HealthNotice, Operation
from atdesk.domain.networks import Network


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Price per billable item of each operation, in `currency`; missing operations are free."""

    prices: Mapping[Operation, Decimal] = field(default_factory=dict)
    currency: str = "USD"

    def price(self, operation: Operation) -> Decimal:
        """The unit price of one operation."""
        return self.prices.get(operation, Decimal(0))

    def to_json(self) -> dict[str, str]:
        """Plain strings, so the table round-trips through a JSON settings column."""
        return {op.value: str(p) for op, p in self.prices.items()}


X_DEFAULT_PRICES = PriceTable(
    {
        Operation.READ_POST: Decimal("0.005"),
        Operation.DM_EVENT: Decimal("0.01"),
        Operation.SEND_DM: Decimal("0.01"),
        Operation.CREATE_POST: Decimal("0.015"),
        Operation.CREATE_POST_WITH_LINK: Decimal("0.20"),
    }
)
FREE = PriceTable()
DEFAULT_PRICES: Mapping[Network, PriceTable] = {
    Network.X: X_DEFAULT_PRICES,
    Network.MASTODON: FREE,
    Network.BLUESKY: FREE,
}


def price_table_from_mapping(
    raw: Mapping[str, str | int | float], base: PriceTable = X_DEFAULT_PRICES
) -> PriceTable:
    """An admin's overrides on top of `base`; unknown names and negative prices are refused."""
    prices = dict(base.prices)
    for name, value in raw.items():
        try:
            operation = Operation(name)
        except ValueError:
            valid = ", ".join(o.value for o in Operation)
            raise ValueError(f"unknown operation {name!r} in price table; use: {valid}") from None
        try:
            price = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"price of {name} must be a number, got {value!r}") from None
        if price < 0 or not price.is_finite():
            raise ValueError(f"price of {name} must be zero or more, got {value!r}")
        prices[operation] = price
    return PriceTable(prices, base.currency)


def call_cost(call: ApiCall, table: PriceTable) -> Decimal:
    """What one call cost: unit price times items, and nothing for a failed call."""
    if not call.succeeded:
        return Decimal(0)
    return table.price(call.operation) * call.items


def month_start(moment: datetime) -> datetime:
    """The first instant of the UTC month holding `moment` (spend is counted per month)."""
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(moment: datetime) -> datetime:
    """The first instant of the following UTC month, when the budget starts afresh."""
    start = month_start(moment)
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


@dataclass(frozen=True, slots=True)
class MonthlyBudget:
    """A spending cap per calendar month (UTC); polling slows once `slow_from` of it is used."""

    limit: Decimal
    slow_from: float = 0.8

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError("a monthly budget cannot be negative")
        if not 0 <= self.slow_from <= 1:
            raise ValueError("slow_from is a fraction of the budget between 0 and 1")


def paced_poll_delay(
    *,
    budget: MonthlyBudget,
    spent: Decimal,
    now: datetime,
    base_interval: float,
    cost_per_poll: Decimal,
) -> float:
    """Seconds to wait before the next poll so the month's spend stays within the budget.

    Below `slow_from` of the budget the normal interval applies. Above it, the remaining
    money is spread over the time left in the month; when not even one more poll fits, the
    poller waits for the next month.
    """
    until_next_month = (next_month_start(now) - now).total_seconds()
    remaining = budget.limit - spent
    if remaining <= 0 or (cost_per_poll > 0 and remaining < cost_per_poll):
        return until_next_month
    if spent < budget.limit * Decimal(str(budget.slow_from)) or cost_per_poll <= 0:
        return base_interval
    polls_left = remaining / cost_per_poll
    return max(base_interval, until_next_month / float(polls_left))


@dataclass(frozen=True, slots=True)
class PollPace:
    """How long to wait before the next pass, whether that is slower than normal, and
    whether even then no pass fits the budget (`blocked`: wait, then ask again)."""

    delay: float
    throttled: bool = False
    reason: str = ""
    blocked: bool = False


class BudgetGuard(Protocol):
    """What a poller asks before each pass: "how long must I wait before polling?"."""

    def pace(self, network: Network, account: str) -> PollPace:
        """The wait before the next pass (the normal interval unless money is short)."""
        ...

    def record_poll(self, network: Network, account: str, cost: Decimal) -> None:
        """Learn what one pass cost, to estimate the next."""
        ...


class UnlimitedBudget:
    """No budget: always poll at the normal pace."""

    def __init__(self, base_interval: float = 60.0) -> None:
        self.base_interval = base_interval

    def pace(self, network: Network, account: str) -> PollPace:
        """The normal interval."""
        return PollPace(self.base_interval)

    def record_poll(self, network: Network, account: str, cost: Decimal) -> None:
        """Nothing to learn."""


class MonthlyBudgetGuard:
    """Paces polling against a monthly budget; `spent_this_month` is read from storage.

    The cost of a poll is estimated as a moving average of recent passes, so a quiet month
    polls at the normal pace and a busy one slows down before the cap.
    """

    def __init__(
        self,
        budget: MonthlyBudget,
        spent_this_month: Callable[[], Decimal],
        *,
        base_interval: float = 60.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        smoothing: float = 0.2,
    ) -> None:
        self.budget = budget
        self._spent = spent_this_month
        self.base_interval = base_interval
        self._now = now
        self._smoothing = Decimal(str(smoothing))
        self._lock = threading.Lock()
        self._cost_per_poll: dict[tuple[Network, str], Decimal] = {}

    def estimated_cost_per_poll(self, network: Network, account: str) -> Decimal:
        """The current moving average (0 before the first pass)."""
        with self._lock:
            return self._cost_per_poll.get((network, account), Decimal(0))

    def pace(self, network: Network, account: str) -> PollPace:
        """The paced delay for the spend so far."""
        spent = self._spent()
        delay = paced_poll_delay(
            budget=self.budget,
            spent=spent,
            now=self._now(),
            base_interval=self.base_interval,
            cost_per_poll=self.estimated_cost_per_poll(network, account),
        )
        if delay <= self.base_interval:
            return PollPace(delay)
        remaining = self.budget.limit - spent
        cost = self.estimated_cost_per_poll(network, account)
        blocked = remaining <= 0 or (cost > 0 and remaining < cost)
        reason = (
            f"spent {spent} of the {self.budget.limit} monthly budget; "
            + ("polling paused until next month" if blocked else f"polling every {delay:.0f} s")
            + f" instead of every {self.base_interval:.0f} s"
        )
        return PollPace(delay, throttled=True, reason=reason, blocked=blocked)

    def record_poll(self, network: Network, account: str, cost: Decimal) -> None:
        """Fold one pass's cost into the moving average."""
        key = (network, account)
        with self._lock:
            old = self._cost_per_poll.get(key)
            self._cost_per_poll[key] = cost if old is None else old + (cost - old) * self._smoothing


def metered(deps: ChannelDeps, table: PriceTable) -> tuple[ChannelDeps, CostMeter]:
    """A copy of `deps` whose calls are also priced by a new meter (for a poller)."""
    meter = CostMeter(table)
    return replace(deps, observer=FanoutObserver(deps.observer, meter)), meter


class CostMeter:
    """An observer that adds up what calls cost (e.g. during one poll pass)."""

    def __init__(self, table: PriceTable) -> None:
        self.table = table
        self.total = Decimal(0)
        self._lock = threading.Lock()

    def on_api_call(self, call: ApiCall) -> None:
        """Add the call's cost."""
        cost = call_cost(call, self.table)
        with self._lock:
            self.total += cost

    def read(self) -> Decimal:
        """The total so far."""
        with self._lock:
            return self.total

    def on_health(self, notice: HealthNotice) -> None:
        """Health is not money."""
