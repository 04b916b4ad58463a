"""Handled messages leave the bus (embedded table and Redis stream), so a post's raw payload
does not outlive a brand's retention or a customer's erasure there; anything not yet handled
stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.models import BusMessage
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import HANDLED_KEPT, EmbeddedBus
from atdesk.pipeline.redis_bus import GROUP, RedisBus, stream_name
from atdesk.storage.session import transaction
from atdesk.worker import Housekeeping

SEEN: list[dict[str, Any]] = []


def note(_session: Session, payloads: list[dict[str, Any]]) -> None:
    SEEN.extend(payloads)


def messages(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"n": i} for i in range(start, start + n)]


def test_the_embedded_bus_forgets_handled_messages_after_a_day(database_url: str) -> None:
    bus = EmbeddedBus(database_url)
    with transaction(database_url) as session:
        bus.publish(session, INBOUND, messages(3))
    assert bus.consume(INBOUND, note, batch_size=2) == 2
    with transaction(database_url) as session:
        bus.publish(session, INBOUND, messages(1, start=3))
    now = utcnow()
    assert bus.trim_handled(INBOUND, now=now) == 0  # handled just now: kept for a day
    assert bus.trim_handled(INBOUND, now=now + HANDLED_KEPT + timedelta(minutes=1)) == 2
    with transaction(database_url) as session:
        left = session.scalar(select(func.count()).select_from(BusMessage))
    assert left == 2  # the two never handled stay
    assert bus.consume(INBOUND, note, batch_size=10) == 2


def test_the_redis_stream_keeps_only_what_is_pending_or_undelivered(
    redis_url: str, sqlite_url: str
) -> None:
    bus = RedisBus(redis_url, sqlite_url, consumer="trim-a")
    client = redis.Redis.from_url(redis_url)
    stream = stream_name(INBOUND)
    with transaction(sqlite_url) as session:
        bus.publish(session, INBOUND, messages(6))
    assert bus.trim_handled(INBOUND) == 0  # nothing delivered yet
    assert bus.consume(INBOUND, note, batch_size=2) == 2
    # Another worker took the next one and has not acknowledged it (it may die).
    taken = client.xreadgroup(GROUP, "trim-b", {stream: ">"}, count=1)
    assert taken
    assert bus.consume(INBOUND, note, batch_size=1) == 1
    assert bus.trim_handled(INBOUND) == 2  # the acknowledged ones before the pending one
    assert client.xlen(stream) == 4
    assert bus.pending(INBOUND) == 3  # one pending, two never delivered: all still there
    client.xack(stream, GROUP, taken[0][1][0][0])
    assert bus.consume(INBOUND, note, batch_size=10) == 2
    assert bus.trim_handled(INBOUND) == 4
    assert client.xlen(stream) == 0 and bus.pending(INBOUND) == 0
    client.close()


def test_the_worker_trims_its_bus_in_its_periodic_work(settings: Settings) -> None:
    url = settings.database_url
    bus = EmbeddedBus(url)
    with transaction(url) as session:
        bus.publish(session, INBOUND, messages(2))
    assert bus.consume(INBOUND, note, batch_size=10) == 2
    housekeeping = Housekeeping(settings, bus)
    [trim] = [task for task in housekeeping.tasks if task.name == "bus-trim"]
    trim.run(url, utcnow() + HANDLED_KEPT + timedelta(minutes=1))
    with transaction(url) as session:
        assert session.scalar(select(func.count()).select_from(BusMessage)) == 0
