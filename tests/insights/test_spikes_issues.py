"""A burst that is one emerging issue is reported as that issue, with the issue's own label
and terms (series `issue:<id>`), not as the brand or an intent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from atdesk.config import Settings
from atdesk.insights.spikes.trends import detect_spikes
from atdesk.models import Issue, Post
from atdesk.storage.session import transaction
from tests.factories import make_brand
from tests.insights.spike_world import BURST_AT, store_stream, stream


def test_an_issue_burst_is_named_by_the_issue(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand_id = make_brand(session).id
    store_stream(settings, stream(seed=11))
    with transaction(settings.database_url) as session:
        issue = Issue(
            brand_id=brand_id,
            label="login broken after update 5.2",
            terms=["update 5.2", "log in"],
            status="open",
            first_seen=BURST_AT,
            last_seen=BURST_AT + timedelta(hours=2),
            post_count=0,
            centroid=b"",
        )
        session.add(issue)
        session.flush()
        session.execute(update(Post).where(Post.text.contains("5.2")).values(issue_id=issue.id))
        issue_id = issue.id
    with transaction(settings.database_url) as session:
        spikes = detect_spikes(
            session,
            since=BURST_AT - timedelta(hours=6),
            until=BURST_AT + timedelta(hours=4),
            brand_ids=None,
        )
    assert [s.series.key for s in spikes] == [f"issue:{issue_id}"]
    (spike,) = spikes
    data = spike.to_json()
    assert data["label"] == "login broken after update 5.2"
    assert data["terms"] == ["update 5.2", "log in"]
    assert data["issue_id"] == issue_id
    assert data["posts"] >= 110
