"""Migration 0017 (spike alerts) goes down and up: posts stay, the alerts table and the posts'
(brand, created_at) index come and go, and one open alert per series and kind holds after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from atdesk.domain.posts import RawEvent
from atdesk.models import Post, SpikeAlert
from atdesk.pipeline.runner import process_events
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from atdesk.triage.baseline import RulesTriager
from tests.factories import T0, make_brand, post

PREVIOUS = "0016"


def _alert(brand_id: int, status: str) -> SpikeAlert:
    return SpikeAlert(
        brand_id=brand_id,
        series_key="brand",
        kind="volume",
        label="app down",
        terms=["app down"],
        started_at=T0,
        ended_at=T0 + timedelta(hours=1),
        detected_at=T0 + timedelta(minutes=10),
        posts=100,
        baseline_per_hour=2.0,
        peak_per_hour=50.0,
        p_value=1e-20,
        severity="critical",
        status=status,
    )


def test_0017_down_and_up_keeps_posts_and_one_open_alert_per_series(database_url: str) -> None:
    with transaction(database_url) as session:
        brand_id = make_brand(session).id
        process_events(
            session,
            [RawEvent(source="jsonl", payload=post("1", "@acmehelp app down"))],
            triager=RulesTriager(),
        )
    downgrade(database_url, PREVIOUS)
    inspector = inspect(get_engine(database_url))
    assert "spike_alerts" not in inspector.get_table_names()
    assert "ix_posts_brand_created" not in {i["name"] for i in inspector.get_indexes("posts")}
    upgrade(database_url)
    inspector = inspect(get_engine(database_url))
    assert "ix_posts_brand_created" in {i["name"] for i in inspector.get_indexes("posts")}
    with transaction(database_url) as session:
        assert session.scalars(select(Post.native_id)).all() == ["1"]
        session.add_all([_alert(brand_id, "closed"), _alert(brand_id, "closed")])
        session.add(_alert(brand_id, "open"))
    with pytest.raises(IntegrityError), transaction(database_url) as session:
        session.add(_alert(brand_id, "open"))
        session.flush()
