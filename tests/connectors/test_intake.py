"""The group commit behind pushed deliveries: requests that arrive while one commit runs share
the next, each answers only once its events are stored, and a full queue refuses at once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.channels.base import EventKind, IgnoredEvent
from atdesk.config import Settings
from atdesk.connectors.intake import BACKLOG_FRESH_S, Busy, Intake, NotCommitted
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import BusMessage, ChannelConnection
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from tests.connectors.conftest import BRAND, BRAND_USER_ID, add_brand_account


class GatedBus(EmbeddedBus):
    """The embedded bus, whose first publish waits until the test opens the gate."""

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.publishes: list[int] = []

    def publish(self, session: Session, topic: str, payloads: Sequence[dict[str, Any]]) -> None:
        if not self.publishes:
            self.entered.set()
            assert self.gate.wait(30)
        self.publishes.append(len(payloads))
        super().publish(session, topic, payloads)


def _account(settings: Settings) -> int:
    """The brand's X account with its connection row (where read counts are kept)."""
    account_id = add_brand_account(settings, Network.X, BRAND, BRAND_USER_ID)
    with transaction(settings.database_url) as session:
        session.add(
            ChannelConnection(
                channel_account_id=account_id,
                status="idle",
                events_read=0,
                ignored={},
                rate_limits=[],
            )
        )
    return account_id


def _event(native_id: str) -> RawEvent:
    return RawEvent(source="x_webhook", payload={"network": "x", "id": native_id, "text": "hi"})


def _submit(intake: Intake, account_id: int, ids: list[str], errors: list[Exception]) -> None:
    try:
        intake.submit(account_id, [_event(i) for i in ids], [])
    except Exception as exc:
        errors.append(exc)


def test_deliveries_waiting_for_a_commit_share_the_next_and_a_full_queue_refuses(
    settings: Settings,
) -> None:
    account_id = _account(settings)
    bus = GatedBus(settings.database_url)
    intake = Intake(settings.database_url, bus, max_events=3, busy_after_s=3600)
    errors: list[Exception] = []
    first = threading.Thread(target=_submit, args=(intake, account_id, ["1"], errors))
    first.start()
    assert bus.entered.wait(30)  # the writer holds the first delivery in its transaction
    waiting = [
        threading.Thread(target=_submit, args=(intake, account_id, ids, errors))
        for ids in (["2", "3"], ["4"])
    ]
    for thread in waiting:
        thread.start()
    deadline = threading.Event()
    while intake._queued_events < 3 and not deadline.wait(0.01):
        pass
    with pytest.raises(Busy):
        intake.submit(account_id, [_event("5")], [])
    bus.gate.set()
    for thread in [first, *waiting]:
        thread.join(30)
    assert errors == []
    assert bus.publishes == [1, 3]  # the two waiting deliveries went in one commit
    with transaction(settings.database_url) as session:
        stored = session.scalars(select(BusMessage).where(BusMessage.topic == INBOUND)).all()
        assert sorted(m.payload["payload"]["id"] for m in stored) == ["1", "2", "3", "4"]
        connection = session.get(ChannelConnection, account_id)
        assert connection is not None and connection.events_read == 4


def test_deliveries_are_refused_once_the_oldest_waiting_one_has_waited_too_long(
    settings: Settings,
) -> None:
    account_id = _account(settings)
    bus = GatedBus(settings.database_url)
    intake = Intake(settings.database_url, bus, busy_after_s=0.0)  # any wait is too long
    errors: list[Exception] = []
    first = threading.Thread(target=_submit, args=(intake, account_id, ["1"], errors))
    first.start()
    assert bus.entered.wait(30)  # the writer is stuck with the first delivery
    second = threading.Thread(target=_submit, args=(intake, account_id, ["2"], errors))
    second.start()  # the queue was empty: it waits
    deadline = threading.Event()
    while not intake._queue and not deadline.wait(0.01):
        pass
    with pytest.raises(Busy, match="waited"):
        intake.submit(account_id, [_event("3")], [])
    bus.gate.set()
    for thread in (first, second):
        thread.join(30)
    assert errors == [] and bus.publishes == [1, 1]


def test_a_failed_commit_answers_every_delivery_in_it_and_the_next_one_works(
    settings: Settings,
) -> None:
    account_id = _account(settings)

    class FailingOnce(EmbeddedBus):
        failed = False

        def publish(self, session: Session, topic: str, payloads: Sequence[dict[str, Any]]) -> None:
            if not self.failed:
                self.failed = True
                raise RuntimeError("disk full")
            super().publish(session, topic, payloads)

    intake = Intake(settings.database_url, FailingOnce(settings.database_url))
    ignored = [IgnoredEvent(EventKind.LIKE, "9", "a like")]
    with pytest.raises(NotCommitted, match="disk full"):
        intake.submit(account_id, [_event("1")], ignored)
    intake.submit(account_id, [_event("2")], ignored)
    with transaction(settings.database_url) as session:
        ids = [m.payload["payload"]["id"] for m in session.scalars(select(BusMessage))]
        connection = session.get(ChannelConnection, account_id)
    assert ids == ["2"]
    assert connection is not None and connection.events_read == 1
    assert connection.ignored == {"like": 1}  # the failed commit counted nothing


def test_deliveries_are_refused_while_the_bus_holds_more_than_its_bound(
    settings: Settings,
) -> None:
    """The backlog behind the intake is bounded too (ATDESK_EVENTS_QUEUE_BOUND); its count is
    read again once BACKLOG_FRESH_S has passed, not for every delivery."""
    account_id = _account(settings)
    bus = EmbeddedBus(settings.database_url)
    with transaction(settings.database_url) as session:
        bus.publish(session, INBOUND, [_event(f"old{n}").to_json() for n in range(3)])
    now = [100.0]
    intake = Intake(settings.database_url, bus, queue_bound=3, clock=lambda: now[0])
    intake.submit(account_id, [_event("1")], [])  # 3 waiting: not over the bound
    intake.submit(account_id, [_event("2")], [])  # 4 waiting, but the count of 3 is fresh
    now[0] += BACKLOG_FRESH_S
    with pytest.raises(Busy, match="5 posts are waiting for the workers"):
        intake.submit(account_id, [_event("3")], [])
    assert bus.pending(INBOUND) == 5  # the refused delivery stored nothing
    unbounded = Intake(settings.database_url, bus)
    unbounded.submit(account_id, [_event("4")], [])
    assert bus.pending(INBOUND) == 6


def test_a_backlog_that_cannot_be_counted_leaves_the_commit_to_decide(
    settings: Settings,
) -> None:
    """A bus that cannot count its backlog (a server away) does not turn a delivery into an
    error of its own: the commit answers, stored or NotCommitted (503), as without a bound."""
    account_id = _account(settings)

    class Uncountable(EmbeddedBus):
        def pending(self, topic: str) -> int:
            raise ConnectionError("the bus is away")

    intake = Intake(settings.database_url, Uncountable(settings.database_url), queue_bound=1)
    intake.submit(account_id, [_event("1")], [])
    with transaction(settings.database_url) as session:
        stored = session.scalars(select(BusMessage).where(BusMessage.topic == INBOUND)).all()
    assert [m.payload["payload"]["id"] for m in stored] == ["1"]
