"""A dead worker's messages are reclaimed, a poison message is dead-lettered and stops blocking
the stream, and a server outage never counts against a message (real Redis, real databases)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from atdesk.models import Post
from atdesk.pipeline.bus import INBOUND, lost_race
from atdesk.pipeline.prepare import handle_inbound
from atdesk.pipeline.redis_bus import (
    RECLAIM_IDLE_ENV,
    RedisBus,
    dead_letter_stream,
    is_outage,
)
from atdesk.storage.session import transaction
from tests.factories import make_brand, post

pytestmark = pytest.mark.redis


class Poison(ValueError):
    """What a message that can never be handled raises."""


def stored(url: str) -> set[str]:
    with transaction(url) as session:
        return set(session.scalars(select(Post.native_id)))


def publish(bus: RedisBus, url: str, *ids: str) -> None:
    with transaction(url) as session:
        bus.publish(
            session,
            INBOUND,
            [
                {"source": "jsonl", "payload": post(i, f"@acmehelp help {i}"), "line": None}
                for i in ids
            ],
        )


def fails_on(poison: str) -> Any:
    def handler(session: Session, payloads: list[dict[str, Any]]) -> None:
        if any(p["payload"]["id"] == poison for p in payloads):
            raise Poison(f"post {poison} can never be handled")
        handle_inbound(session, payloads)

    return handler


def test_a_poison_message_is_dead_lettered_and_the_rest_of_its_batch_is_stored(
    database_url: str, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with transaction(database_url) as session:
        make_brand(session)
    first = RedisBus(redis_url, database_url, consumer="first", reclaim_idle_ms=0, max_failures=3)
    publish(first, database_url, "1", "2", "3")
    with pytest.raises(Poison):
        first.consume(INBOUND, fails_on("2"))  # the whole first delivery fails
    assert stored(database_url) == set() and first.pending(INBOUND) == 3

    other = RedisBus(redis_url, database_url, consumer="other", reclaim_idle_ms=0, max_failures=3)
    with caplog.at_level(logging.WARNING, logger="atdesk.pipeline.redis_bus"):
        assert other.consume(INBOUND, fails_on("2")) == 2, "the good ones, one by one"
        assert stored(database_url) == {"1", "3"} and other.pending(INBOUND) == 1
        assert other.consume(INBOUND, fails_on("2")) == 0  # second failure of the poison
        assert other.dead_letters(INBOUND) == 0
        assert other.consume(INBOUND, fails_on("2")) == 1  # third: given up on
    assert other.pending(INBOUND) == 0 and other.dead_letters(INBOUND) == 1
    (dead,) = redis.Redis.from_url(redis_url).xrange(dead_letter_stream(INBOUND))
    assert dead[1][b"failures"] == b"3" and b"post 2 can never be handled" in dead[1][b"error"]
    assert any("moved to atdesk:inbound:dead" in r.getMessage() for r in caplog.records)

    publish(other, database_url, "4")
    assert other.consume(INBOUND, handle_inbound) == 1, "the stream moves on"
    assert stored(database_url) == {"1", "3", "4"}


def test_a_server_outage_never_counts_against_a_message(sqlite_url: str, redis_url: str) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
    bus = RedisBus(redis_url, sqlite_url, consumer="a", reclaim_idle_ms=0, max_failures=1)
    publish(bus, sqlite_url, "1")

    def database_away(session: Session, payloads: list[dict[str, Any]]) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with pytest.raises(OperationalError):
        bus.consume(INBOUND, database_away)
    for _ in range(3):  # reclaimed again and again while the database is away
        with pytest.raises(OperationalError):
            bus.consume(INBOUND, database_away)
    assert bus.dead_letters(INBOUND) == 0 and bus.pending(INBOUND) == 1
    assert bus.consume(INBOUND, handle_inbound) == 1
    assert stored(sqlite_url) == {"1"} and bus.pending(INBOUND) == 0


def test_reclaim_waits_for_the_idle_time_the_environment_sets(
    sqlite_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
    monkeypatch.setenv(RECLAIM_IDLE_ENV, "3600000")
    dead = RedisBus(redis_url, sqlite_url, consumer="dead")
    live = RedisBus(redis_url, sqlite_url, consumer="live")
    assert live.reclaim_idle_ms == 3_600_000
    publish(dead, sqlite_url, "1")
    with pytest.raises(Poison):
        dead.consume(INBOUND, fails_on("1"))  # dies holding the message
    assert live.consume(INBOUND, handle_inbound) == 0, "not idle for an hour yet"
    monkeypatch.setenv(RECLAIM_IDLE_ENV, "0")
    assert RedisBus(redis_url, sqlite_url, consumer="live").consume(INBOUND, handle_inbound) == 1
    monkeypatch.setenv(RECLAIM_IDLE_ENV, "soon")
    with pytest.raises(ValueError, match="ATDESK_REDIS_RECLAIM_IDLE_MS must be a whole number"):
        RedisBus(redis_url, sqlite_url)


def test_publishing_waits_out_a_redis_restart(sqlite_url: str, redis_url: str) -> None:
    bus = RedisBus("redis://127.0.0.1:1/0", sqlite_url, consumer="p", publish_retry_s=5.0)
    pauses: list[float] = []

    def back_up(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            bus.redis = redis.Redis.from_url(redis_url)  # the server is back

    bus._sleep = back_up
    publish(bus, sqlite_url, "1")
    assert pauses == [0.05, 0.1, 0.2], "growing pauses while Redis is away"
    assert bus.pending(INBOUND) == 1

    gone = RedisBus("redis://127.0.0.1:1/0", sqlite_url, publish_retry_s=0.1, sleep=pauses.append)
    with pytest.raises(Exception) as raised:  # noqa: PT011 (the chain is what counts)
        publish(gone, sqlite_url, "2")
    assert is_outage(raised.value), "the caller (a worker's batch) sees an outage and retries"


def test_a_batch_that_lost_a_race_with_another_worker_is_handled_again_at_once(
    sqlite_url: str, redis_url: str
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
    bus = RedisBus(redis_url, sqlite_url, consumer="a", sleep=lambda _: None)
    publish(bus, sqlite_url, "1", "2")
    tries: list[int] = []

    def racing(session: Session, payloads: list[dict[str, Any]]) -> None:
        handle_inbound(session, payloads)
        tries.append(len(payloads))
        if len(tries) == 1:  # the other worker inserted the same conversation first
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    assert bus.consume(INBOUND, racing) == 2
    assert tries == [2, 2] and stored(sqlite_url) == {"1", "2"}
    assert bus.pending(INBOUND) == 0 and bus.dead_letters(INBOUND) == 0


def test_a_deadlock_is_a_lost_race_and_a_closed_connection_an_outage() -> None:
    class Deadlock(Exception):
        sqlstate = "40P01"

    deadlock = OperationalError("UPDATE", {}, Deadlock("deadlock detected"))
    closed = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    assert lost_race(deadlock) and not lost_race(closed)
    assert is_outage(closed)
