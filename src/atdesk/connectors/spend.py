"""The API spend ledger: price each call when it is recorded, and add it up for admins.

Only calls that cost money, failed, or were made for a case are kept: free successful reads
(Mastodon, Bluesky, an empty X poll) would only grow the table. A call made for a case
(a reply; its ref is `draft-N` or `case-N`) is charged to that case; a read is charged per
post, so its cost follows each post into whichever case it lands in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.channels.costs import PriceTable, month_start
from atdesk.channels.observer import ApiCall
from atdesk.domain.networks import Network
from atdesk.models import ApiCallRecord, ApiCharge, ReplyDraft
from atdesk.models import Post as PostRow

MICROS = Decimal(1_000_000)
_DRAFT_REF = re.compile(r"^draft-(\d+)$")
_CASE_REF = re.compile(r"^case-(\d+)$")


def to_micros(amount: Decimal) -> int:
    """Money as integer millionths (exact sums on every database)."""
    return int((amount * MICROS).to_integral_value())


def from_micros(micros: int | None) -> Decimal:
    """Millionths back to money, with six decimals."""
    return (Decimal(micros or 0) / MICROS).quantize(Decimal("0.000001"))


def month_of(moment: datetime) -> str:
    """The ledger's month key, 'YYYY-MM' in UTC."""
    return month_start(moment).strftime("%Y-%m")


def case_of_ref(session: Session, ref: str | None) -> int | None:
    """The case a caller's ref names (`draft-N` from the respond stage, or `case-N`)."""
    if not ref:
        return None
    if match := _CASE_REF.match(ref):
        return int(match.group(1))
    if match := _DRAFT_REF.match(ref):
        draft = session.get(ReplyDraft, int(match.group(1)))
        return draft.case_id if draft is not None else None
    return None


def record_call(
    session: Session, call: ApiCall, table: PriceTable, *, channel_account_id: int | None
) -> ApiCallRecord | None:
    """Price one call and keep it when it is worth keeping (see the module docstring)."""
    unit = to_micros(table.price(call.operation)) if call.succeeded else 0
    cost = unit * call.items
    if cost == 0 and call.succeeded and not call.ref:
        return None
    case_id = case_of_ref(session, call.ref)
    row = ApiCallRecord(
        at=call.at,
        month=month_of(call.at),
        network=call.network.value,
        account=call.account,
        channel_account_id=channel_account_id,
        operation=call.operation.value,
        method=call.method,
        endpoint=call.endpoint[:200],
        status=call.status,
        items=call.items,
        cost_micros=cost,
        currency=table.currency,
        ref=call.ref[:200] if call.ref else None,
        case_id=case_id,
    )
    session.add(row)
    session.flush()
    if cost and case_id is None and call.native_ids:
        session.add_all(
            ApiCharge(
                call_id=row.id, network=call.network.value, native_id=native_id, cost_micros=unit
            )
            for native_id in call.native_ids
        )
    return row


def spent_in_month(session: Session, network: Network, moment: datetime) -> Decimal:
    """What a network's calls cost in the UTC month holding `moment`."""
    total = session.scalar(
        select(func.coalesce(func.sum(ApiCallRecord.cost_micros), 0)).where(
            ApiCallRecord.network == network.value, ApiCallRecord.month == month_of(moment)
        )
    )
    return from_micros(int(total or 0))


def case_spend(session: Session, case_id: int) -> Decimal:
    """What the case cost: calls made for it, plus reading the posts it holds."""
    direct = session.scalar(
        select(func.coalesce(func.sum(ApiCallRecord.cost_micros), 0)).where(
            ApiCallRecord.case_id == case_id
        )
    )
    reads = session.scalar(
        select(func.coalesce(func.sum(ApiCharge.cost_micros), 0))
        .select_from(ApiCharge)
        .join(
            PostRow,
            (PostRow.network == ApiCharge.network) & (PostRow.native_id == ApiCharge.native_id),
        )
        .where(PostRow.case_id == case_id)
    )
    return from_micros(int(direct or 0) + int(reads or 0))


@dataclass(frozen=True, slots=True)
class MonthTotal:
    """One month's spend on one network."""

    month: str
    network: str
    calls: int
    items: int
    cost: Decimal


def monthly_totals(session: Session, *, months: int = 6) -> list[MonthTotal]:
    """Spend per month and network, newest month first."""
    rows = session.execute(
        select(
            ApiCallRecord.month,
            ApiCallRecord.network,
            func.count(ApiCallRecord.id),
            func.coalesce(func.sum(ApiCallRecord.items), 0),
            func.coalesce(func.sum(ApiCallRecord.cost_micros), 0),
        )
        .group_by(ApiCallRecord.month, ApiCallRecord.network)
        .order_by(ApiCallRecord.month.desc(), ApiCallRecord.network)
    ).all()
    found = [MonthTotal(m, n, int(c), int(i), from_micros(int(s))) for m, n, c, i, s in rows]
    recent = sorted({t.month for t in found}, reverse=True)[:months]
    return [t for t in found if t.month in recent]


def operation_totals(session: Session, month: str) -> list[tuple[str, str, int, Decimal]]:
    """This month's spend per (network, operation): calls and cost."""
    rows = session.execute(
        select(
            ApiCallRecord.network,
            ApiCallRecord.operation,
            func.count(ApiCallRecord.id),
            func.coalesce(func.sum(ApiCallRecord.cost_micros), 0),
        )
        .where(ApiCallRecord.month == month)
        .group_by(ApiCallRecord.network, ApiCallRecord.operation)
        .order_by(ApiCallRecord.network, ApiCallRecord.operation)
    ).all()
    return [(n, o, int(c), from_micros(int(s))) for n, o, c, s in rows]


def account_totals(session: Session, month: str) -> Mapping[int, Decimal]:
    """This month's spend per channel account id."""
    rows = session.execute(
        select(ApiCallRecord.channel_account_id, func.sum(ApiCallRecord.cost_micros))
        .where(ApiCallRecord.month == month, ApiCallRecord.channel_account_id.is_not(None))
        .group_by(ApiCallRecord.channel_account_id)
    ).all()
    return {int(a or 0): from_micros(int(s or 0)) for a, s in rows}


def top_cases(session: Session, month: str, *, limit: int = 10) -> list[tuple[int, Decimal]]:
    """The cases that cost most this month (calls made for them and posts read into them)."""
    direct = select(
        ApiCallRecord.case_id.label("case_id"), ApiCallRecord.cost_micros.label("micros")
    ).where(ApiCallRecord.month == month, ApiCallRecord.case_id.is_not(None))
    reads = (
        select(PostRow.case_id.label("case_id"), ApiCharge.cost_micros.label("micros"))
        .select_from(ApiCharge)
        .join(ApiCallRecord, ApiCallRecord.id == ApiCharge.call_id)
        .join(
            PostRow,
            (PostRow.network == ApiCharge.network) & (PostRow.native_id == ApiCharge.native_id),
        )
        .where(ApiCallRecord.month == month, PostRow.case_id.is_not(None))
    )
    both = direct.union_all(reads).subquery()
    rows = session.execute(
        select(both.c.case_id, func.sum(both.c.micros).label("total"))
        .group_by(both.c.case_id)
        .order_by(func.sum(both.c.micros).desc())
        .limit(limit)
    ).all()
    return [(int(c), from_micros(int(t or 0))) for c, t in rows]
