"""Conversations are the reply graph's connected components, whatever the arrival order."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select, text

from atdesk.models import Case, Conversation, Post
from atdesk.storage.session import transaction
from tests.factories import brand_reply, make_brand, post, run

CHAIN = [
    post("100", "@acmehelp my order never arrived", minutes=0),
    brand_reply(
        "101", "@dana sorry! can you DM us the order number?", minutes=5, in_reply_to="100"
    ),
    post("102", "@acmehelp done, sent it", minutes=9, in_reply_to="101"),
    brand_reply("103", "@dana thanks, a new one ships today", minutes=20, in_reply_to="102"),
]


def conversation_sets(url: str) -> list[set[str]]:
    with transaction(url) as session:
        groups: dict[int, set[str]] = {}
        for native_id, cid in session.execute(select(Post.native_id, Post.conversation_id)):
            groups.setdefault(cid, set()).add(native_id)
        return sorted(groups.values(), key=min)


def wipe_posts(url: str) -> None:
    """Forget every post, case and conversation but keep the brands."""
    with transaction(url) as session:
        for table in ("audit_events", "posts", "cases", "conversation_nodes", "conversations"):
            session.execute(text(f"DELETE FROM {table}"))


def test_every_arrival_order_builds_one_conversation_and_one_case(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
    for order in itertools.permutations(CHAIN):
        wipe_posts(database_url)
        for item in order:
            with transaction(database_url) as session:
                run(session, item)
        assert conversation_sets(database_url) == [{"100", "101", "102", "103"}], order
        with transaction(database_url) as session:
            cases = session.scalars(select(Case)).all()
            assert len(cases) == 1, order
            assert cases[0].first_response_seconds == 300
            assert cases[0].status == "pending"
            assert cases[0].inbound_count == 2
            assert session.scalar(select(func.count()).select_from(Conversation)) == 1


def test_siblings_of_a_missing_parent_share_the_conversation(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(
            session,
            post("201", "@acmehelp first answer to an old thread", in_reply_to="200"),
            post("202", "@acmehelp me too", author="4400000002", handle="lee", in_reply_to="200"),
            post("300", "@acmehelp unrelated question?", author="4400000003", handle="kim"),
        )
    assert conversation_sets(database_url) == [{"201", "202"}, {"300"}]


def test_response_ids_alone_link_a_reply_that_names_no_parent(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(session, post("400", "@acmehelp hello", reply_ids=["401"]))
        run(
            session,
            brand_reply("401", "@dana hi", minutes=1, in_reply_to="") | {"in_reply_to": None},
        )
    with transaction(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert conversation_sets(database_url) == [{"400", "401"}]


def test_private_messages_thread_by_participants(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(
            session,
            post("500", "hi, my account number is 1234", direct=True, to="acmehelp"),
            post("501", "still there?", direct=True, to="acmehelp", minutes=3),
            post("502", "@acmehelp public post", minutes=4),
        )
    assert conversation_sets(database_url) == [{"500", "501"}, {"502"}]


def test_an_edit_or_deletion_in_the_same_batch_as_its_post_is_applied(database_url: str) -> None:
    from dataclasses import replace
    from typing import Any

    from atdesk.channels.replay.jsonl import normalize_line
    from atdesk.domain.posts import Post as DomainPost
    from atdesk.domain.posts import RawEvent
    from atdesk.pipeline.normalize import register_normalizer
    from atdesk.pipeline.runner import process_events

    def flagged(payload: dict[str, Any]) -> DomainPost:
        """JSON Lines plus the edited/deleted flags the network channels set."""
        base = normalize_line({k: v for k, v in payload.items() if k not in ("edited", "deleted")})
        return replace(
            base, edited=bool(payload.get("edited")), deleted=bool(payload.get("deleted"))
        )

    register_normalizer("test.flagged", flagged)
    batch = [
        post("600", "@acmehelp my ordr is late"),
        post("600", "@acmehelp my order is late") | {"edited": True},
        post("601", "@acmehelp oops wrong account", minutes=1),
        post("601", "@acmehelp oops wrong account", minutes=1) | {"deleted": True},
        post("602", "@acmehelp hello", minutes=2),
        post("602", "@acmehelp hello", minutes=2),
    ]
    with transaction(database_url) as session:
        make_brand(session)
        report = process_events(
            session, [RawEvent(source="test.flagged", payload=p) for p in batch]
        )
    assert report.stored == 3
    assert report.repeats == 1
    with transaction(database_url) as session:
        rows = {p.native_id: p for p in session.scalars(select(Post))}
        assert rows["600"].text == "@acmehelp my order is late"
        assert rows["600"].edited_at is not None
        assert rows["601"].deleted_at is not None
        assert rows["602"].edited_at is None and rows["602"].deleted_at is None


def test_folding_same_batch_edits_and_deletions() -> None:
    from dataclasses import replace

    from atdesk.channels.replay.jsonl import normalize_line
    from atdesk.pipeline.dedupe import _fold

    first = normalize_line(post("700", "@acmehelp typo hre"))
    edit = replace(first, text="@acmehelp typo here", edited=True)
    folded = _fold(first, edit)
    assert folded is not None and folded.text == "@acmehelp typo here" and folded.edited
    assert folded.raw["edit_history"] == [{"text": "@acmehelp typo hre"}]
    deleted = _fold(first, replace(first, deleted=True))
    assert deleted is not None and deleted.deleted
    assert _fold(first, first) is None, "a plain re-delivery changes nothing"
