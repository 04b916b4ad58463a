"""The worker's periodic spike check: on its first pass it judges the brands' posts up to the
clock and raises the alert of a burst going on (this test runs on the clock, like a worker)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from atdesk.config import Settings
from atdesk.models import SpikeAlert
from atdesk.models.base import utcnow
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from atdesk.worker import Worker
from tests.factories import make_brand
from tests.insights.spike_streams import background, burst
from tests.insights.spike_world import store_stream


def test_the_worker_raises_the_alert_of_a_burst_going_on(settings: Settings) -> None:
    now = utcnow()
    rng = random.Random(21)
    posts = background(rng, start=now - timedelta(days=5), days=5, per_hour=4)
    posts += burst(rng, start=now - timedelta(minutes=50), posts=60, minutes=45)
    with transaction(settings.database_url) as session:
        make_brand(session)
    store_stream(settings, sorted(p for p in posts if p[0] < now))
    worker = Worker(settings, bus=EmbeddedBus(settings.database_url), idle_sleep_s=0.01)
    try:
        worker.run_once()
    finally:
        worker.automations.close()
    with transaction(settings.database_url) as session:
        (alert,) = session.scalars(select(SpikeAlert)).all()
    assert alert.status == "open"
    assert "update 5.2" in alert.terms
