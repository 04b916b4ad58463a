"""What admins and agents see of the connectors: accounts and how they fare, alerts, spend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session

from atdesk.channels.costs import MonthlyBudget, PriceTable
from atdesk.channels.observer import Operation
from atdesk.connectors.accounts import FROM_SETTINGS, admin_connected
from atdesk.connectors.settings import budgets, price_overrides, price_tables
from atdesk.connectors.spend import account_totals, month_of, spent_in_month
from atdesk.domain.networks import Network
from atdesk.models import Author, Brand, Case, ChannelAccount, ChannelAlert, ChannelConnection


@dataclass(frozen=True, slots=True)
class AccountView:
    """One brand account as the channel admin page lists it."""

    account: ChannelAccount
    brand: str
    connected_by: str
    connection: ChannelConnection | None
    spend: Decimal
    alerts: list[ChannelAlert] = field(default_factory=list)

    @property
    def limits(self) -> list[dict[str, Any]]:
        """The rate-limit windows last reported."""
        return list(self.connection.rate_limits or []) if self.connection else []


def connected_by(account: ChannelAccount) -> str:
    """'admin' (stored credentials), 'settings' (SPEC §6 keys) or '' (not connected)."""
    if admin_connected(account.state):
        return "admin"
    return "settings" if (account.state or {}).get(FROM_SETTINGS) else ""


def open_alerts(session: Session, brand_ids: frozenset[int] | None = None) -> list[ChannelAlert]:
    """Open alerts, newest first; limited to the brands a person may see."""
    query = select(ChannelAlert).where(ChannelAlert.closed_at.is_(None))
    if brand_ids is not None:
        query = query.where(
            or_(
                ChannelAlert.channel_account_id.is_(None),
                ChannelAlert.channel_account_id.in_(
                    select(ChannelAccount.id).where(
                        ChannelAccount.brand_id.in_(sorted(brand_ids) or [-1])
                    )
                ),
            )
        )
    return list(session.scalars(query.order_by(ChannelAlert.opened_at.desc())))


def recent_closed_alerts(session: Session, limit: int = 20) -> list[ChannelAlert]:
    """The alerts closed last, for the history on the admin page."""
    return list(
        session.scalars(
            select(ChannelAlert)
            .where(ChannelAlert.closed_at.is_not(None))
            .order_by(ChannelAlert.closed_at.desc())
            .limit(limit)
        )
    )


def accounts_query(*, replay: bool | None = None) -> Select[ChannelAccount, str]:
    """Brand accounts with their brand's name, in the admin page's order; `replay` keeps only
    the accounts of replay brands (True) or of working brands (False, ADR 73)."""
    query = (
        select(ChannelAccount, Brand.name)
        .join(Brand, Brand.id == ChannelAccount.brand_id)
        .order_by(Brand.name, ChannelAccount.network, ChannelAccount.handle)
    )
    return query if replay is None else query.where(Brand.replay_only.is_(replay))


def account_views(
    session: Session, now: datetime, rows: Sequence[Row[ChannelAccount, str]] | None = None
) -> list[AccountView]:
    """Brand accounts (these rows of `accounts_query`, else all) with their connector status,
    alerts and this month's spend."""
    spend = account_totals(session, month_of(now))
    alerts: dict[int, list[ChannelAlert]] = {}
    for alert in open_alerts(session):
        if alert.channel_account_id is not None:
            alerts.setdefault(alert.channel_account_id, []).append(alert)
    connections = {c.channel_account_id: c for c in session.scalars(select(ChannelConnection))}
    if rows is None:
        rows = session.execute(accounts_query()).all()
    return [
        AccountView(
            account=account,
            brand=brand,
            connected_by=connected_by(account),
            connection=connections.get(account.id),
            spend=spend.get(account.id, Decimal(0)),
            alerts=alerts.get(account.id, []),
        )
        for account, brand in rows
    ]


@dataclass(frozen=True, slots=True)
class NetworkSpend:
    """A network's spend this month against its budget, and its prices."""

    network: Network
    spent: Decimal
    budget: MonthlyBudget | None
    prices: PriceTable
    overrides: dict[str, str]

    @property
    def remaining(self) -> Decimal | None:
        """What is left of the budget (None without one)."""
        return None if self.budget is None else self.budget.limit - self.spent

    @property
    def used_percent(self) -> int | None:
        """How much of the budget is spent, in whole percent."""
        if self.budget is None or self.budget.limit <= 0:
            return None
        return int(self.spent * 100 / self.budget.limit)

    @property
    def slowing(self) -> bool:
        """Past the point where polling slows down."""
        if self.budget is None:
            return False
        return self.spent >= self.budget.limit * Decimal(str(self.budget.slow_from))


def network_spend(session: Session, now: datetime) -> list[NetworkSpend]:
    """This month's spend, budget and prices of every network."""
    tables, caps = price_tables(session), budgets(session)
    return [
        NetworkSpend(
            network,
            spent_in_month(session, network, now),
            caps[network],
            tables[network],
            price_overrides(session, network),
        )
        for network in Network
    ]


BILLED_OPERATIONS: Sequence[Operation] = (
    Operation.READ_POST,
    Operation.DM_EVENT,
    Operation.SEND_DM,
    Operation.CREATE_POST,
    Operation.CREATE_POST_WITH_LINK,
    Operation.READ_NOTIFICATION,
    Operation.READ_USER,
)


def customer_cases(session: Session, case: Case) -> list[Case]:
    """Every case of the case's customer on every network (the case's author's without one)."""
    author = case.customer_author
    customer_id = case.customer_id or author.customer_id
    if customer_id is None:
        scope = Case.customer_author_id == author.id
    else:
        scope = or_(
            Case.customer_id == customer_id,
            Case.customer_author_id.in_(select(Author.id).where(Author.customer_id == customer_id)),
        )
    return list(session.scalars(select(Case).where(scope).order_by(Case.opened_at.desc())))


def brand_of_accounts(session: Session) -> dict[int, int]:
    """Each network account's brand id, by account id (to place alerts under their brand)."""
    rows = session.execute(select(ChannelAccount.id, ChannelAccount.brand_id)).all()
    return {int(row[0]): int(row[1]) for row in rows}
