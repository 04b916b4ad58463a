"""Storing what a reader read: events on the bus and the account state, in one transaction.

This is the one rule of the channel contract (docs/channels.md): a batch's events and the
account it came with (its cursors) commit together, or neither does, so a crash between
two pages never moves a cursor past posts that were not kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from atdesk.channels.base import AccountState, IgnoredEvent, ReadBatch
from atdesk.channels.ratelimits import RateLimit
from atdesk.channels.registry import account_from_json
from atdesk.connectors.accounts import (
    CREDENTIAL_KEYS,
    FROM_SETTINGS,
    has_credentials,
    merge_account,
)
from atdesk.connectors.listening import brand_listening, with_listening
from atdesk.domain.posts import RawEvent
from atdesk.models import ChannelAccount, ChannelConnection
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND, Bus


class LeaseLost(RuntimeError):
    """Another process runs this account now; this reader must stop without writing."""


class AccountGone(RuntimeError):
    """The account was removed or disconnected; its reader stops."""


def stored_json(state: AccountState, *, from_settings: bool) -> dict[str, Any]:
    """The JSON kept in the row; an account connected by the settings says so, so that
    the settings keep winning (ATDESK_X_BEARER_TOKEN rotated in the environment)."""
    data = state.to_json()
    return {**data, FROM_SETTINGS: True} if from_settings else data


def current_state(row: ChannelAccount, *, configured: AccountState | None) -> AccountState:
    """The account as the database holds it now (with the settings' credentials if any)."""
    listening = brand_listening(row)
    if configured is not None:
        credentials = {k: v for k, v in configured.to_json().items() if k in CREDENTIAL_KEYS}
        stored = {**configured.to_json(), **(row.state or {}), **credentials}
        return with_listening(account_from_json(row.network, stored), listening)
    if not has_credentials(row.state):
        raise AccountGone(f"{row.network} account @{row.handle} has no credentials any more")
    return with_listening(account_from_json(row.network, row.state), listening)


def rate_limit_rows(limits: tuple[RateLimit, ...]) -> list[dict[str, Any]]:
    """The windows the network last reported, as JSON for the admin page."""
    return [asdict(limit) for limit in sorted(limits, key=lambda limit: limit.endpoint)]


def claim_connection(
    session: Session, account_id: int, holder: str, now: datetime
) -> ChannelConnection:
    """Write first (the SQLite lock, the PostgreSQL row), proving this process holds the lease."""
    touched = session.execute(
        update(ChannelConnection)
        .where(
            ChannelConnection.channel_account_id == account_id,
            ChannelConnection.holder == holder,
        )
        .values(last_pass_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(touched, "rowcount", 0) != 1:
        raise LeaseLost(f"account {account_id} is no longer leased by {holder}")
    connection = session.get(ChannelConnection, account_id, populate_existing=True)
    assert connection is not None
    return connection


def store_batch(
    session: Session,
    bus: Bus,
    batch: ReadBatch[Any],
    *,
    account_id: int,
    holder: str,
    base: AccountState,
    configured: AccountState | None,
    limits: tuple[RateLimit, ...],
    now: datetime,
) -> AccountState:
    """Publish the batch's events and merge its account into the row; returns what is stored."""
    connection = claim_connection(session, account_id, holder, now)
    row = session.get(ChannelAccount, account_id)
    if row is None:
        raise AccountGone(f"account {account_id} was removed")
    merged = merge_account(current_state(row, configured=configured), base, batch.account)
    row.state = stored_json(merged, from_settings=configured is not None)
    if batch.events:
        bus.publish(session, INBOUND, [event.to_json() for event in batch.events])
    connection.events_read = (connection.events_read or 0) + len(batch.events)
    connection.ignored = _add_counts(
        connection.ignored or {}, Counter(i.kind.value for i in batch.ignored)
    )
    connection.rate_limits = rate_limit_rows(limits)
    connection.last_ok_at = now
    connection.status = "running"
    connection.last_error = None
    session.flush()
    return merged


def publish_read(
    session: Session,
    bus: Bus,
    account_id: int,
    events: Sequence[RawEvent],
    ignored: Sequence[IgnoredEvent],
) -> None:
    """Reads that move no cursor (webhooks, another brand's stream) need no lease: publish."""
    if events:
        bus.publish(session, INBOUND, [event.to_json() for event in events])
    count_read(session, account_id, len(events), Counter(i.kind.value for i in ignored))


def count_read(session: Session, account_id: int, events: int, ignored: Counter[str]) -> None:
    """Add to an account's read and ignored counts (row locked first: no lost update)."""
    touched = session.execute(
        update(ChannelConnection)
        .where(ChannelConnection.channel_account_id == account_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(touched, "rowcount", 0) != 1:
        return
    connection = session.get(ChannelConnection, account_id, populate_existing=True)
    assert connection is not None
    connection.events_read = (connection.events_read or 0) + events
    connection.ignored = _add_counts(connection.ignored or {}, ignored)
    session.flush()


def _add_counts(old: Mapping[str, Any], new: Counter[str]) -> dict[str, int]:
    total = {k: int(v) for k, v in old.items()}
    for kind, count in new.items():
        total[kind] = total.get(kind, 0) + count
    return total
