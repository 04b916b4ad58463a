"""Migration 0014 (rule confidence, model version, case confidence) goes down and up without
losing a link, and fills the open cases' confidence from their latest customer post."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.domain.posts import RawEvent
from atdesk.models import AutomationRule, Case, Post
from atdesk.pipeline.runner import process_events
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from atdesk.triage.baseline import RulesTriager
from tests.factories import make_brand, post


def test_0014_down_and_up_keeps_links_and_backfills_open_cases(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        events = [
            RawEvent(source="jsonl", payload=post("1", "@acmehelp hello", minutes=0)),
            RawEvent(source="jsonl", payload=post("2", "@acmehelp please call me", minutes=5)),
        ]
        process_events(session, events, triager=RulesTriager())
        links = {p.native_id: p.case_id for p in session.scalars(select(Post))}
        confidence = {p.case_id: p.intent_confidence for p in session.scalars(select(Post))}
        assert None not in links.values() and None not in confidence.values()
    downgrade(database_url, "0013")
    upgrade(database_url)
    with transaction(database_url) as session:
        posts = session.scalars(select(Post).order_by(Post.native_id)).all()
        assert {p.native_id: p.case_id for p in posts} == links, "no link lost"
        cases = session.scalars(select(Case)).all()
        assert {c.id: c.latest_confidence for c in cases} == confidence
        assert [p.model_version for p in posts] == [None, None], "older posts name no model"
        assert session.scalars(select(AutomationRule.min_confidence)).all() == []
