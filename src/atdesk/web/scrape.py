"""What /metrics reads at scrape time: queue depth and lag, open cases past their SLA, spend.

Each read is one indexed, grouped query (or a few Redis calls per topic), so a scrape costs
the same at a thousand cases as at a million; nothing here is counted in advance.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session

from atdesk.cases.queries import OPEN_STATUSES
from atdesk.config import Settings
from atdesk.connectors.spend import month_of
from atdesk.models import ApiCallRecord, Brand, BusMessage, Case
from atdesk.pipeline.bus import CASE_EVENTS, INBOUND
from atdesk.pipeline.embedded_bus import MAX_ATTEMPTS
from atdesk.pipeline.redis_bus import GROUP, dead_letter_stream, stream_name

TOPICS = (INBOUND, CASE_EVENTS)
REDIS_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class Queue:
    """Messages of a topic not yet handled, how long the oldest has waited (0: none), and how
    many were given up on after failing again and again (a person must look at those)."""

    topic: str
    depth: int
    lag_s: float
    dead: int = 0


@dataclass(frozen=True, slots=True)
class Spend:
    """This month's recorded API calls and their cost on one network, in currency units."""

    network: str
    currency: str
    amount: float
    calls: int


def embedded_queues(session: Session, now: datetime) -> list[Queue]:
    """The database-backed bus: undone messages per topic, the oldest one's age, and those
    past their last attempt (no consumer takes them again)."""
    given_up = func.sum(case((BusMessage.attempts >= MAX_ATTEMPTS, 1), else_=0))
    rows = session.execute(
        select(BusMessage.topic, func.count(), func.min(BusMessage.created_at), given_up)
        .where(BusMessage.done_at.is_(None))
        .group_by(BusMessage.topic)
    ).all()
    found = {topic: (int(n), oldest, int(dead or 0)) for topic, n, oldest, dead in rows}
    queues = []
    for topic in sorted(set(TOPICS) | set(found)):
        depth, oldest, dead = found.get(topic, (0, None, 0))
        lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        queues.append(Queue(topic, depth, lag, dead))
    return queues


def redis_queues(redis_url: str) -> list[Queue]:
    """Redis Streams: the group's pending plus undelivered entries, and the oldest one's age by
    the Redis server's own clock (entry ids are its milliseconds)."""
    client = redis.Redis.from_url(
        redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
    )
    try:
        seconds, micros = client.time()
        now_ms = seconds * 1000 + micros // 1000
        return [_redis_queue(client, topic, now_ms) for topic in TOPICS]
    finally:
        client.close()


def _redis_queue(client: redis.Redis, topic: str, now_ms: int) -> Queue:
    stream = stream_name(topic)
    dead = int(client.xlen(dead_letter_stream(topic)))
    if not client.exists(stream):
        return Queue(topic, 0, 0.0, dead)
    group = next(
        (g for g in client.xinfo_groups(stream) if g["name"] in (GROUP, GROUP.encode())), None
    )
    if group is None:  # no worker has read yet: everything in the stream waits
        depth = int(client.xlen(stream))
        first = client.xrange(stream, count=1)
        oldest = _id_ms(first[0][0]) if first else None
    else:
        pending, lag = int(group.get("pending") or 0), int(group.get("lag") or 0)
        depth = pending + lag
        oldest = None
        if pending:
            summary = client.xpending(stream, GROUP)
            oldest = _id_ms(summary.get("min"))
        if oldest is None and lag:
            last = group["last-delivered-id"]
            last = last.decode() if isinstance(last, bytes) else str(last)
            after = client.xrange(stream, min=f"({last}", count=1)
            oldest = _id_ms(after[0][0]) if after else None
    lag_s = max(0.0, (now_ms - oldest) / 1000) if oldest is not None else 0.0
    return Queue(topic, depth, lag_s, dead)


def _id_ms(entry_id: bytes | str | None) -> int | None:
    """A stream entry id's milliseconds part (None: no entry)."""
    if entry_id is None:
        return None
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def queues(settings: Settings, session: Session, now: datetime) -> list[Queue]:
    """The bus this deployment uses: Redis Streams when configured, else the database."""
    if settings.redis_url:
        return redis_queues(settings.redis_url)
    return embedded_queues(session, now)


def past_sla(session: Session, now: datetime) -> Iterator[tuple[str, int]]:
    """(brand name, open working cases whose running SLA clock is past due), brands with any."""
    rows = session.execute(
        select(Brand.name, func.count(Case.id))
        .join(Brand, Brand.id == Case.brand_id)
        .where(
            Case.status.in_(OPEN_STATUSES),
            Case.history == false(),
            Case.sla_due_at < now,
        )
        .group_by(Brand.name)
        .order_by(Brand.name)
    ).all()
    for name, n in rows:
        yield str(name), int(n)


def spend_this_month(session: Session, now: datetime) -> list[Spend]:
    """The spend ledger's calls of this UTC month per network and currency."""
    rows = session.execute(
        select(
            ApiCallRecord.network,
            ApiCallRecord.currency,
            func.coalesce(func.sum(ApiCallRecord.cost_micros), 0),
            func.count(),
        )
        .where(ApiCallRecord.month == month_of(now))
        .group_by(ApiCallRecord.network, ApiCallRecord.currency)
        .order_by(ApiCallRecord.network, ApiCallRecord.currency)
    ).all()
    return [Spend(str(n), str(c), int(m) / 1_000_000, int(k)) for n, c, m, k in rows]
