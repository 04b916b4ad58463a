"""REST API of the connectors (SPEC §7: the API does what the UI does): accounts, alerts, spend."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.cases.access import visible_case
from atdesk.connectors.queries import account_views, network_spend, open_alerts
from atdesk.connectors.schemas import (
    CaseSpendOut,
    ChannelAccountOut,
    ChannelAlertOut,
    MonthSpendOut,
    NetworkSpendOut,
    SpendOut,
)
from atdesk.connectors.spend import case_spend, month_of, monthly_totals, top_cases
from atdesk.domain.ids import RowId
from atdesk.models.base import utcnow
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["channels"])


def _admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin for access")


@router.get("/channel-alerts")
def get_channel_alerts(session: DbSession, viewer: ApiViewer) -> list[ChannelAlertOut]:
    """Open channel alerts of the brands you see."""
    return [
        ChannelAlertOut.model_validate(a, from_attributes=True)
        for a in open_alerts(session, viewer.brand_ids)
    ]


@router.get("/channel-accounts")
def get_channel_accounts(session: DbSession, viewer: ApiViewer) -> list[ChannelAccountOut]:
    """Every brand account's connector status, rate limits and spend this month (admins)."""
    _admin(viewer)
    found = []
    for v in account_views(session, utcnow()):
        c = v.connection
        found.append(
            ChannelAccountOut(
                id=v.account.id,
                brand=v.brand,
                network=v.account.network,
                handle=v.account.handle,
                connected_by=v.connected_by,
                status=c.status if c else None,
                holder=c.holder if c else None,
                stream_enabled=c.stream_enabled if c else None,
                poll_interval_s=c.poll_interval_s if c else None,
                last_ok_at=c.last_ok_at if c else None,
                last_error=c.last_error if c else None,
                events_read=c.events_read if c else 0,
                ignored={str(k): int(n) for k, n in (c.ignored or {}).items()} if c else {},
                rate_limits=v.limits,
                spend_this_month=v.spend,
                open_alerts=[a.kind for a in v.alerts],
            )
        )
    return found


@router.get("/spend")
def get_spend(session: DbSession, viewer: ApiViewer) -> SpendOut:
    """This month's spend, budget and prices per network, and the months before (admins)."""
    _admin(viewer)
    now = utcnow()
    month = month_of(now)
    return SpendOut(
        month=month,
        networks=[
            NetworkSpendOut(
                network=n.network.value,
                spent=n.spent,
                budget=n.budget.limit if n.budget else None,
                slow_from=n.budget.slow_from if n.budget else None,
                slowing=n.slowing,
                prices={op.value: price for op, price in n.prices.prices.items()},
            )
            for n in network_spend(session, now)
        ],
        months=[
            MonthSpendOut(
                month=t.month, network=t.network, calls=t.calls, items=t.items, cost=t.cost
            )
            for t in monthly_totals(session)
        ],
        top_cases=[{"case_id": c, "spend": s} for c, s in top_cases(session, month)],
    )


@router.get("/cases/{case_id}/spend")
def get_case_spend(case_id: RowId, session: DbSession, viewer: ApiViewer) -> CaseSpendOut:
    """What a case in your brands cost in API calls (posts read into it, replies sent)."""
    case = visible_case(session, viewer.user, case_id)
    return CaseSpendOut(case_id=case.id, spend=case_spend(session, case.id))
