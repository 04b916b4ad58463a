"""The worker's periodic retention pass: on its first loop it anonymises a brand's old resolved
case (this test runs on the clock, like a worker, so its data is laid out from the clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from atdesk.config import Settings
from atdesk.lifecycle.retention import MARKER
from atdesk.lifecycle.service import save_settings
from atdesk.models import Case, Post
from atdesk.models.base import utcnow
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from atdesk.worker import Worker
from tests.factories import make_brand, post, run


def test_the_worker_applies_a_brands_retention(settings: Settings) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=100), now - timedelta(days=2)
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        save_settings(session, brand, {"days": 30, "mode": "anonymise"}, actor="test")
        run(
            session,
            post("w1", "@acmehelp my parcel is lost", created_at=old.isoformat()),
            post(
                "w2",
                "@acmehelp app crashes",
                author="45",
                handle="finn",
                created_at=recent.isoformat(),
            ),
        )
        for case in session.scalars(select(Case)):
            case.status = "resolved"
            case.resolved_at = case.opened_at + timedelta(hours=1)
    worker = Worker(settings, bus=EmbeddedBus(settings.database_url), idle_sleep_s=0.01)
    try:
        worker.run_once()
    finally:
        worker.automations.close()
    with transaction(settings.database_url) as session:
        texts = set(session.scalars(select(Post.text)))
        cases = {c.opened_at < now - timedelta(days=30): c for c in session.scalars(select(Case))}
    assert cases[True].anonymised_at is not None and cases[False].anonymised_at is None
    assert MARKER in texts and "@acmehelp app crashes" in texts
