"""The bus loses nothing: a failed or crashed batch is delivered again, and only after commit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from atdesk.models import BusMessage, Post
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.prepare import handle_inbound
from atdesk.pipeline.redis_bus import RedisBus
from atdesk.storage.session import transaction
from tests.factories import make_brand, post


class Boom(RuntimeError):
    """A handler failure in the middle of a batch."""


def stored_posts(url: str) -> int:
    with transaction(url) as session:
        return int(session.scalar(select(func.count()).select_from(Post)) or 0)


def publish_post(bus: EmbeddedBus, url: str, native_id: str, text: str) -> None:
    """One customer post on the inbound topic, committed."""
    with transaction(url) as session:
        payload = {"source": "jsonl", "payload": post(native_id, text), "line": None}
        bus.publish(session, INBOUND, [payload])


def test_a_failing_batch_rolls_back_and_is_delivered_again(database_url: str) -> None:
    bus = EmbeddedBus(database_url)
    with transaction(database_url) as session:
        make_brand(session)
    publish_post(bus, database_url, "1", "@acmehelp hi")

    def crash_after_writing(session: Session, payloads: list[dict[str, Any]]) -> None:
        handle_inbound(session, payloads)
        raise Boom("worker died mid-batch")

    with pytest.raises(Boom):
        bus.consume(INBOUND, crash_after_writing)
    assert stored_posts(database_url) == 0, "the half-done batch was rolled back"
    assert bus.pending(INBOUND) == 1
    with transaction(database_url) as session:
        message = session.scalars(select(BusMessage)).one()
        assert message.attempts == 1 and "worker died" in (message.error or "")
        session.execute(text("UPDATE bus_messages SET available_at = created_at"))
    assert bus.consume(INBOUND, handle_inbound) == 1
    assert stored_posts(database_url) == 1 and bus.pending(INBOUND) == 0
    assert bus.consume(INBOUND, handle_inbound) == 0


def lost_to_another_consumer() -> sa_exc.IntegrityError:
    return sa_exc.IntegrityError(
        "INSERT INTO conversation_nodes ...", {}, Exception("duplicate key value")
    )


def test_a_batch_that_lost_a_race_is_handled_again_at_once(database_url: str) -> None:
    """`ingest --live` beside a running worker: both store rows of one conversation, one
    loses on the unique key, and its batch is simply handled again (no failure, no backoff)."""
    bus = EmbeddedBus(database_url)
    with transaction(database_url) as session:
        make_brand(session)
    publish_post(bus, database_url, "1", "@acmehelp hi")
    tries: list[int] = []

    def loses_once(session: Session, payloads: list[dict[str, Any]]) -> None:
        tries.append(len(payloads))
        handle_inbound(session, payloads)
        if len(tries) == 1:
            raise lost_to_another_consumer()

    assert bus.consume(INBOUND, loses_once) == 1
    assert tries == [1, 1] and stored_posts(database_url) == 1
    with transaction(database_url) as session:
        message = session.scalars(select(BusMessage)).one()
        assert message.attempts == 0 and message.error is None and message.done_at is not None

    def always_loses(session: Session, payloads: list[dict[str, Any]]) -> None:
        raise lost_to_another_consumer()

    publish_post(bus, database_url, "2", "@acmehelp again")
    with pytest.raises(sa_exc.IntegrityError):
        bus.consume(INBOUND, always_loses)
    assert bus.pending(INBOUND) == 1, "a batch that never gets through is left for a retry"


def test_publishing_is_part_of_the_callers_transaction(sqlite_url: str) -> None:
    bus = EmbeddedBus(sqlite_url)
    with pytest.raises(Boom), transaction(sqlite_url) as session:
        bus.publish(session, INBOUND, [{"source": "jsonl", "payload": {}, "line": None}])
        raise Boom("request failed after publishing")
    assert bus.pending(INBOUND) == 0


@pytest.mark.redis
def test_redis_bus_sends_after_commit_and_acks_after_the_database_commits(
    sqlite_url: str, redis_url: str
) -> None:
    bus = RedisBus(redis_url, sqlite_url, consumer="test-a")
    with transaction(sqlite_url) as session:
        make_brand(session)
    with pytest.raises(Boom), transaction(sqlite_url) as session:
        bus.publish(
            session,
            INBOUND,
            [{"source": "jsonl", "payload": post("1", "@acmehelp x"), "line": None}],
        )
        raise Boom("rolled back")
    assert bus.consume(INBOUND, handle_inbound) == 0, "nothing was sent for a rolled-back write"

    with transaction(sqlite_url) as session:
        bus.publish(
            session,
            INBOUND,
            [{"source": "jsonl", "payload": post("2", "@acmehelp y"), "line": None}],
        )

    def crash(session: Session, payloads: list[dict[str, Any]]) -> None:
        handle_inbound(session, payloads)
        raise Boom("worker died")

    with pytest.raises(Boom):
        bus.consume(INBOUND, crash)
    assert stored_posts(sqlite_url) == 0 and bus.pending(INBOUND) == 1

    other = RedisBus(redis_url, sqlite_url, consumer="test-b", reclaim_idle_ms=0)
    assert other.consume(INBOUND, handle_inbound) == 1, "another worker reclaims the message"
    assert stored_posts(sqlite_url) == 1 and other.pending(INBOUND) == 0
