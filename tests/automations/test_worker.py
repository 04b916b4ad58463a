"""The automate stage runs in the worker from the bus: a post in, the callback queued and the
acknowledgement sent, on the embedded bus (SQLite, PostgreSQL) and on Redis Streams."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from sqlalchemy import select

from atdesk.automations.engine.stage import inbound_handler
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import Callback
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import CASE_EVENTS, INBOUND, Bus
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.redis_bus import RedisBus
from atdesk.storage.session import transaction
from atdesk.worker import AutomationRunner, Worker
from tests.automations.helpers import TRIAGER
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox


def _post_now(native_id: str) -> RawEvent:
    return RawEvent(
        source="jsonl",
        payload={
            "network": "x",
            "id": native_id,
            "text": "@acmehelp please call me about my statement",
            "created_at": (utcnow() - timedelta(minutes=1)).isoformat(),
            "author": {"id": "4400000001", "handle": "dana", "name": "Dana"},
        },
    )


def _run_worker(settings: Settings, bus: Bus) -> RecordingOutbox:
    with transaction(settings.database_url) as session:
        make_brand(session)
        customer = create_customer(session, name="Dana", phone="+1 415 555 0142", actor="test")
        link_handle(session, customer, Network.X, "dana", actor="test")
        bus.publish(session, INBOUND, [_post_now("1").to_json(), _post_now("1").to_json()])
    worker = Worker(settings, bus=bus, idle_sleep_s=0.01)
    outbox = RecordingOutbox()
    worker.handle_inbound = inbound_handler(bus, TRIAGER)
    worker.automations = AutomationRunner(settings, bus, outbox=outbox)
    for _ in range(10):
        if not worker.run_once() and bus.pending(CASE_EVENTS) == 0 and outbox.sent:
            break
    worker.automations.close()
    return outbox


def test_the_embedded_worker_automates_from_the_bus(settings: Settings) -> None:
    bus = EmbeddedBus(settings.database_url)
    outbox = _run_worker(settings, bus)
    assert bus.pending(INBOUND) == 0 and bus.pending(CASE_EVENTS) == 0
    with transaction(settings.database_url) as session:
        assert len(session.scalars(select(Callback)).all()) == 1
    (ack,) = outbox.sent
    assert ack.text.startswith("Thanks Dana, we'll call you") and ack.target is not None


@pytest.mark.redis
def test_the_redis_worker_automates_from_the_bus(sqlite_url: str, redis_url: str) -> None:
    # A database of its own on the test Redis, so parallel Redis tests never share streams.
    own = redis_url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(own).flushdb()
    settings = Settings(database_url=sqlite_url, secret_key="test-secret-key-0123456789")
    bus = RedisBus(own, settings.database_url)
    outbox = _run_worker(settings, bus)
    assert bus.pending(CASE_EVENTS) == 0
    with transaction(settings.database_url) as session:
        assert len(session.scalars(select(Callback)).all()) == 1
    assert len(outbox.sent) == 1
