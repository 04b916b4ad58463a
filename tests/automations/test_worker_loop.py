"""The worker's loops wake on a commit, not on a timer: with an idle wait far longer than the
test, a post published on the embedded bus still reaches its case and the automate stage, and
stop() ends every loop the worker started (ADR 98)."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from atdesk.automations.engine.stage import inbound_handler
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.models import AutomatedPost, Post
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from atdesk.worker import AutomationRunner, Housekeeping, Periodic, Worker
from tests.automations.helpers import TRIAGER
from tests.clocks import SecondsClock
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

NEVER_S = 3600.0  # the loops' idle wait: only a wake-up can move them within the test
GIVE_UP_S = 60.0


def _post(native_id: str) -> dict[str, Any]:
    return RawEvent(
        source="jsonl",
        payload={
            "network": "x",
            "id": native_id,
            "text": "@acmehelp please call me about my statement",
            "created_at": (utcnow() - timedelta(minutes=1)).isoformat(),
            "author": {"id": "4400000001", "handle": "dana", "name": "Dana"},
        },
    ).to_json()


def _automated(settings: Settings, native_id: str) -> bool:
    with transaction(settings.database_url) as session:
        return (
            session.scalar(
                select(AutomatedPost.post_id)
                .join(Post, Post.id == AutomatedPost.post_id)
                .where(Post.native_id == native_id)
            )
            is not None
        )


def test_a_commit_wakes_the_idle_loops_and_stop_ends_them(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
    bus = EmbeddedBus(settings.database_url)
    worker = Worker(settings, bus=bus, idle_sleep_s=NEVER_S)
    worker.handle_inbound = inbound_handler(bus, TRIAGER)
    worker.automations = AutomationRunner(settings, bus, outbox=RecordingOutbox())
    thread = worker.start_thread()
    try:
        for native_id in ("1", "2"):  # the second arrives once every loop is idle again
            with transaction(settings.database_url) as session:
                bus.publish(session, INBOUND, [_post(native_id)])
            deadline = time.monotonic() + GIVE_UP_S
            while not _automated(settings, native_id) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _automated(settings, native_id)
    finally:
        worker.stop()
        thread.join(GIVE_UP_S)
        worker.automations.close()
    assert not thread.is_alive()
    loops = {"atdesk-worker", "atdesk-automate", "atdesk-housekeeping"}
    assert not [t for t in threading.enumerate() if t.name in loops]


def test_a_worker_told_another_process_runs_the_periodic_work_starts_no_loop_for_it(
    settings: Settings,
) -> None:
    """The embedded server's workers' process (ADR 106): its periodic work runs elsewhere."""
    bus = EmbeddedBus(settings.database_url)
    worker = Worker(settings, bus=bus, idle_sleep_s=NEVER_S, periodic=False)
    thread = worker.start_thread()
    try:
        deadline = time.monotonic() + GIVE_UP_S
        while "atdesk-automate" not in _threads() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "atdesk-automate" in _threads()
        assert "atdesk-housekeeping" not in _threads()
    finally:
        worker.stop()
        thread.join(GIVE_UP_S)
        worker.automations.close()
    assert not thread.is_alive()


def _threads() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def test_a_waiting_consumer_wakes_on_a_commit_and_not_on_a_rollback(settings: Settings) -> None:
    bus = EmbeddedBus(settings.database_url)
    woke, idle = threading.Event(), threading.Event()

    def wait() -> None:
        bus.consume(INBOUND, lambda session, payloads: None)  # finds nothing: idle
        idle.set()
        bus.wait_for_messages(NEVER_S)
        woke.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    try:
        assert idle.wait(GIVE_UP_S)
        with transaction(settings.database_url) as session:
            bus.publish(session, INBOUND, [_post("1")])
            session.rollback()
        assert not woke.wait(0.5)  # a rolled-back publish wakes nobody
        with transaction(settings.database_url) as session:
            bus.publish(session, INBOUND, [_post("2")])
        assert woke.wait(GIVE_UP_S)
    finally:
        bus.wake()
        waiter.join(GIVE_UP_S)


def test_a_periodic_task_that_took_long_waits_four_times_as_long(settings: Settings) -> None:
    """At most a quarter of the time for one periodic task (ADR 106); a quick one keeps its
    interval."""
    clock = SecondsClock()
    housekeeping = Housekeeping(settings, clock=clock)
    runs: list[tuple[str, float]] = []

    def slow(_url: str, _now: object) -> None:
        runs.append(("slow", clock.now))
        clock.advance(40.0)  # the pass took 40 s

    def quick(_url: str, _now: object) -> None:
        runs.append(("quick", clock.now))

    housekeeping.tasks = (Periodic("slow", 60.0, slow, "slow"), Periodic("quick", 60.0, quick, "q"))
    for _ in range(400):  # a tick a second for 400 s
        housekeeping.run_due()
        clock.advance(1.0)
    slow_starts = [at for name, at in runs if name == "slow"]
    assert slow_starts[:2] == [1000.0, 1000.0 + 160.0], "40 s taken: the next 160 s after"
    quick_starts = [at for name, at in runs if name == "quick"]
    gaps = [round(b - a) for a, b in itertools.pairwise(quick_starts)]
    assert all(60 <= gap <= 101 for gap in gaps), gaps  # its interval, or once slow ends
