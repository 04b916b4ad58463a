"""The demo's scripted cases can be answered: the seeded posts exist on the emulated X,
Mastodon and Bluesky with the ids the database holds, so a public reply, "Move to DM" and a
private reply from the case page's service reach them, on the first run and on a re-run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.demo.live import LiveDemo
from atdesk.demo.setup import prepare_demo
from atdesk.models import Case, Post, User
from atdesk.respond.outbox import ChannelOutbox
from atdesk.respond.service import Outcome, ReplyRequest, move_to_dm, submit_reply
from atdesk.storage.session import transaction

# The demo's posts and visits are laid out from this moment (a Monday afternoon).
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
# Scripted customer posts answered in these tests: several per network.
SEEDED = {
    "x": ["1860000000000000101", "1860000000000000102", "1860000000000000106"],
    "mastodon": ["112233445566778801", "112233445566778802"],
    "bluesky": [
        "at://did:plc:jo0000000000000000000000/app.bsky.feed.post/3lzdemo00001",
        "at://did:plc:max0000000000000000000000/app.bsky.feed.post/3lzdemo00002",
    ],
}


@dataclass(frozen=True, slots=True)
class Seeded:
    """A scripted customer post as stored, and who wrote it."""

    network: str
    native_id: str
    post_id: int
    case_id: int
    author_id: str
    author_handle: str


@pytest.fixture
def demo_settings(sqlite_url: str, data_dir: Path) -> Settings:
    """The demo on a fresh SQLite database."""
    return replace(
        Settings(),
        database_url=sqlite_url,
        secret_key="test-secret-key-0123456789",
        data_dir=str(data_dir),
    )


@pytest.fixture
def live(demo_settings: Settings) -> Iterator[LiveDemo]:
    """`atdesk demo`'s preparation with its emulated networks (no twcs replay, no server)."""
    summary = prepare_demo(demo_settings, replay=False, echo=lambda _: None, now=NOW)
    assert summary.live is not None and summary.live.networks is not None
    yield summary.live
    summary.live.stop()


def _seeded(session: Session) -> list[Seeded]:
    rows = session.scalars(
        select(Post).where(Post.native_id.in_([i for ids in SEEDED.values() for i in ids]))
    ).all()
    assert len(rows) == sum(len(ids) for ids in SEEDED.values())
    return [
        Seeded(p.network, p.native_id, p.id, p.case_id or 0, p.author.native_id, p.author.handle)
        for p in rows
    ]


def _admin(session: Session) -> User:
    user = session.scalar(select(User).where(User.username == "admin"))
    assert user is not None
    return user


def _reply(session: Session, seeded: Seeded, text: str, mode: str = "public") -> Outcome:
    """What the case page's composer does."""
    case = session.get(Case, seeded.case_id)
    assert case is not None
    target = seeded.post_id if mode == "public" else None
    request = ReplyRequest(text, mode, case.reply_version, target, confirm_pii=True)
    outcome = submit_reply(session, case, _admin(session), request, ChannelOutbox())
    session.commit()
    assert outcome.status == "sent", outcome.message
    assert outcome.post is not None
    return outcome


def _move_to_dm(session: Session, seeded: Seeded) -> Outcome:
    """What the case page's "Move to DM" button does."""
    case = session.get(Case, seeded.case_id)
    assert case is not None
    outcome = move_to_dm(session, case, _admin(session), case.reply_version, ChannelOutbox())
    session.commit()
    assert outcome.status == "sent", outcome.message
    assert "failed" not in outcome.message
    assert outcome.post is not None
    return outcome


def _replied_to(live: LiveDemo, network: str, sent_id: str) -> str | None:
    """The post the emulator says a sent post answers."""
    assert live.networks is not None
    if network == "x":
        refs = live.x.tweets[sent_id].get("referenced_tweets", [])
        return next((r["id"] for r in refs if r["type"] == "replied_to"), None)
    if network == "mastodon":
        found: str | None = live.networks.mastodon.statuses[sent_id]["in_reply_to_id"]
        return found
    reply: dict[str, Any] = live.networks.bluesky.records[sent_id]["value"].get("reply") or {}
    return str(reply["parent"]["uri"]) if reply else None


def _privately_reached(live: LiveDemo, seeded: Seeded, sent_id: str) -> bool:
    """The emulator holds the private message, addressed to the seeded post's author."""
    assert live.networks is not None
    if seeded.network == "x":
        (event,) = [e for e in live.x.dm_events if e["id"] == sent_id]
        return seeded.author_id in event["_participants"]
    if seeded.network == "mastodon":
        status = live.networks.mastodon.statuses[sent_id]
        mentioned = {m["acct"] for m in status["mentions"]}
        return status["visibility"] == "direct" and seeded.author_handle in mentioned
    convos = [
        c
        for c in live.networks.bluesky.convos.values()
        if any(m["id"] == sent_id for m in c.messages)
    ]
    return len(convos) == 1 and seeded.author_id in convos[0].members


def test_every_network_takes_a_reply_a_move_to_dm_and_a_private_reply(
    demo_settings: Settings, live: LiveDemo
) -> None:
    with transaction(demo_settings.database_url) as session:
        seeded = _seeded(session)
        for item in seeded:
            public = _reply(session, item, "Thanks for telling us, we're looking into it.")
            assert public.post is not None
            assert _replied_to(live, item.network, public.post.native_id) == item.native_id

            moved = _move_to_dm(session, item)
            assert moved.post is not None
            assert _replied_to(live, item.network, moved.post.native_id) == item.native_id

            private = _reply(session, item, "Could you send us your reference?", "private")
            assert private.post is not None and private.post.direct
            assert _privately_reached(live, item, private.post.native_id)


def test_a_re_run_keeps_the_posts_answerable(demo_settings: Settings, live: LiveDemo) -> None:
    with transaction(demo_settings.database_url) as session:
        first = {s.native_id: s for s in _seeded(session)}
        x_case = first[SEEDED["x"][0]]
        earlier = _reply(session, x_case, "We're on it.")
        assert earlier.post is not None
        answered = earlier.post.native_id
    live.stop()

    again = prepare_demo(demo_settings, replay=False, echo=lambda _: None, now=NOW)
    assert again.live is not None and again.live.networks is not None
    try:
        assert answered in again.live.x.tweets  # the brand's reply from the last run, too
        with transaction(demo_settings.database_url) as session:
            for network in ("x", "mastodon", "bluesky"):
                item = first[SEEDED[network][-1]]
                sent = _reply(session, item, "Following up on this.")
                assert sent.post is not None
                assert _replied_to(again.live, network, sent.post.native_id) == item.native_id
                private = _reply(session, item, "Any news?", "private")
                assert private.post is not None
                assert _privately_reached(again.live, item, private.post.native_id)
    finally:
        again.live.stop()
