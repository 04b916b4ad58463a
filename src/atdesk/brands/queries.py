"""Reads of brands and their network accounts for the admin pages (issue 12: routes run no SQL)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from atdesk.models import Brand, ChannelAccount
from atdesk.ui.paging import name_matches


def brand_search(q: str) -> ColumnElement[bool] | None:
    """The brands whose name holds the search words (None: no search)."""
    return name_matches(q, Brand.name)


def brands_query(kind: str, matching: ColumnElement[bool] | None) -> Select[Brand]:
    """Working brands before replay ones, by name; of one kind ("working"/"replay") if asked."""
    query = select(Brand).order_by(Brand.replay_only, Brand.name)
    if kind:
        query = query.where(Brand.replay_only.is_(kind == "replay"))
    if matching is not None:
        query = query.where(matching)
    return query


def accounts_by_brand(
    session: Session, brand_ids: Sequence[int]
) -> dict[int, list[ChannelAccount]]:
    """The network accounts of these brands, by network, grouped by brand id."""
    accounts: dict[int, list[ChannelAccount]] = {}
    for account in session.scalars(
        select(ChannelAccount)
        .where(ChannelAccount.brand_id.in_(brand_ids))
        .order_by(ChannelAccount.network)
    ):
        accounts.setdefault(account.brand_id, []).append(account)
    return accounts


def brand_kind_counts(session: Session, matching: ColumnElement[bool] | None) -> dict[bool, int]:
    """How many brands (matching the search) are working ones and replay ones, in one query."""
    query = select(Brand.replay_only, func.count(Brand.id)).group_by(Brand.replay_only)
    rows = session.execute(query if matching is None else query.where(matching))
    return {bool(replay): int(n) for replay, n in rows}


def brands_working_first(session: Session) -> Sequence[Brand]:
    """Every brand, working ones before those a replay registered, by name (ADR 73)."""
    return session.scalars(brands_query("", None)).all()
