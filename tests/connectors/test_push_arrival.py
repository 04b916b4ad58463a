"""The pieces of a live push alone: a post keeps everything but its time, which becomes its
arrival (ADR 96); a post counts as handled once stored and, on a case, automated; waiting
gives up with what to check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.automations.engine.stage import automate_posts
from atdesk.channels.replay.reader import read_replay
from atdesk.config import Settings
from atdesk.connectors.push import LiveTimeout, arriving_batch, unhandled, wait_handled
from atdesk.domain.posts import Post, RawEvent
from atdesk.models import Post as PostRow
from atdesk.pipeline.normalize import normalize
from atdesk.storage.session import transaction
from tests.factories import make_brand, post, run

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
TWCS = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@acmehelp my order is &amp; late,1,
1,acmehelp,False,Tue Oct 31 22:10:47 +0000 2017,@115712 on it,2,3
"""


def test_a_twcs_row_arrives_now_as_json_lines_with_everything_else_kept(tmp_path: Path) -> None:
    path = tmp_path / "replay.csv"
    path.write_text(TWCS, encoding="utf-8")
    read = [normalize(e) for e in read_replay(path) if isinstance(e, RawEvent)]
    pushed = [normalize(e) for e in arriving_batch(read, AT)]
    assert [p.created_at for p in pushed] == [AT, AT + timedelta(microseconds=1)]

    def without_time(p: Post) -> tuple[object, ...]:
        return (p.key, p.text, p.author, p.in_reply_to, p.reply_ids, p.to_handle, p.inbound)

    assert [without_time(p) for p in pushed] == [without_time(p) for p in read]
    assert pushed[0].text == "@acmehelp my order is & late" and pushed[0].to_handle == "acmehelp"
    assert pushed[1].inbound is False and pushed[1].in_reply_to == "3"


def test_a_post_is_handled_once_stored_and_automated(settings: Settings) -> None:
    keys = {("x", "1"), ("x", "2"), ("x", "3")}
    with transaction(settings.database_url) as session:
        make_brand(session)
        assert unhandled(session, keys) == keys  # nothing stored yet
        run(session, post("1", "@acmehelp my order is late"), post("2", "lovely weather"))
        # Stored: the unaddressed one has no case, so nothing more happens to it; the other
        # waits for the automate stage.
        assert unhandled(session, keys) == {("x", "1"), ("x", "3")}
        first = session.scalars(select(PostRow).where(PostRow.native_id == "1")).one()
        automate_posts(session, [first.id], settings=settings, now=first.created_at)
        assert unhandled(session, keys) == {("x", "3")}


def test_waiting_gives_up_and_says_what_to_check(settings: Settings) -> None:
    with pytest.raises(LiveTimeout, match="1 published posts are not handled yet") as here:
        wait_handled(
            settings.database_url, [("x", "1")], timeout_s=0, drain=lambda: 0, sleep=lambda _: None
        )
    assert "their batches failed here; run with -v" in str(here.value)
    with pytest.raises(LiveTimeout, match="are `atdesk worker` processes running") as workers:
        wait_handled(settings.database_url, [("x", "1")], timeout_s=0, sleep=lambda _: None)
    assert "The posts stay queued." in str(workers.value)
