"""Bulk inserts give each row its new id in the order given, and leave the ids after them free
for the next insert, on SQLite and on PostgreSQL (ADR 105)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from atdesk.models import Conversation
from atdesk.models.base import table_of
from atdesk.storage.bulk import insert_with_ids
from atdesk.storage.session import transaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def conversation(minutes: int, network: str = "x") -> dict[str, object]:
    at = T0 + timedelta(minutes=minutes)
    return {"network": network, "direct": False, "started_at": at, "last_post_at": at}


def test_ids_come_back_in_the_order_given_and_the_next_insert_follows(database_url: str) -> None:
    table = table_of(Conversation)
    with transaction(database_url) as session:
        assert insert_with_ids(session, table, []) == []
        first = insert_with_ids(session, table, [conversation(m) for m in (5, 1, 3)])
        later = Conversation(network="mastodon", started_at=T0, last_post_at=T0)
        session.add(later)
        session.flush()
        second = insert_with_ids(session, table, [conversation(9, "bluesky")])
    assert first == sorted(first) and len(set(first)) == 3
    assert first[-1] < later.id < second[0], "no id handed out twice"
    with transaction(database_url) as session:
        rows = session.execute(select(Conversation.id, Conversation.started_at)).all()
    started = dict(rows)
    assert [started[i] for i in first] == [T0 + timedelta(minutes=m) for m in (5, 1, 3)]
