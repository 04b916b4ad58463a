"""Migration 0015 (retrained triage models) goes down and up; posts and their models' names
stay, and after it no brand has a live retrained model until a retrain promotes one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, select

from atdesk.domain.posts import RawEvent
from atdesk.models import Post, TriageModel
from atdesk.pipeline.runner import process_events
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from atdesk.triage.baseline import RulesTriager
from atdesk.triage.live_models import read_live_models
from tests.factories import make_brand, post


def test_0015_down_and_up_keeps_posts_and_starts_with_no_live_model(database_url: str) -> None:
    with transaction(database_url) as session:
        brand = make_brand(session)
        process_events(
            session,
            [RawEvent(source="jsonl", payload=post("1", "@acmehelp please call me"))],
            triager=RulesTriager(),
        )
        session.add(
            TriageModel(
                version="retrain:acme-20261206T193000",
                brand_id=brand.id,
                path="/models/retrain-acme-20261206T193000",
                scores={"sets": {}},
                live=True,
                created_at=datetime(2026, 12, 6, 19, 30, tzinfo=UTC),
            )
        )
        session.flush()
        assert read_live_models(session).by_brand == {
            "Acme": "/models/retrain-acme-20261206T193000"
        }
    downgrade(database_url, "0014")
    assert "triage_models" not in inspect(get_engine(database_url)).get_table_names()
    upgrade(database_url)
    with transaction(database_url) as session:
        assert session.scalars(select(TriageModel)).all() == []
        assert not read_live_models(session), "every brand back on the shipped models"
        stored = session.scalars(select(Post)).one()
        assert (stored.native_id, stored.model_version) == ("1", "rules")
        session.add(
            TriageModel(
                version="retrain:all-1",
                path="/m",
                scores={},
                created_at=datetime(2026, 12, 7, tzinfo=UTC),
            )
        )
        session.flush()
        row = session.scalars(select(TriageModel)).one()
        assert row.live is False, "a new row is not live unless promoted"
