"""An event of the wrong shape from any network is reported and skipped; its batch goes in."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.channels.mastodon.normalize import SOURCE_NOTIFICATION
from atdesk.domain.posts import RawEvent
from atdesk.models import Post
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction
from tests.factories import make_brand, post


def test_a_payload_of_the_wrong_shape_is_reported_and_the_rest_of_the_batch_is_stored(
    database_url: str,
) -> None:
    broken = {"notification": {"type": "mention", "status": "gone"}, "brand": {}}
    events = [
        RawEvent("jsonl", post("1", "@acmehelp my order is late"), line=1),
        RawEvent(SOURCE_NOTIFICATION, broken, line=2),
        RawEvent("jsonl", post("2", "@acmehelp still nothing", minutes=5), line=3),
    ]
    with transaction(database_url) as session:
        make_brand(session)
        report = process_events(session, events)
    assert report.stored == 2
    assert report.invalid == [
        "line 2: mastodon.notification event has the wrong shape:"
        " found a string where an object was expected"
    ]
    with transaction(database_url) as session:
        assert sorted(session.scalars(select(Post.native_id))) == ["1", "2"]
