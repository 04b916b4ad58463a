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
