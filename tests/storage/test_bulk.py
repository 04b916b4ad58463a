"""Bulk inserts give each row its new id in the order given, and leave the ids after them free
for the next insert, on SQLite and on PostgreSQL (ADR 105)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

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


def test_a_large_batch_maps_every_id_to_its_row_in_few_statements(database_url: str) -> None:
    """Over a page of rows, in no particular order of time: each id is its own row's, and
    the rows go in as multi-row statements, not one INSERT each."""
    table = table_of(Conversation)
    minutes = [(m * 7919) % 1500 for m in range(1500)]  # every minute once, shuffled
    inserts = 0

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        nonlocal inserts
        inserts += statement.lstrip().upper().startswith("INSERT")

    with transaction(database_url) as session:
        insert_with_ids(session, table, [conversation(0)])  # an earlier row in the table
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            ids = insert_with_ids(session, table, [conversation(m) for m in minutes])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(set(ids)) == 1500
    assert inserts <= 3, f"{inserts} INSERT statements for 1,500 rows"
    with transaction(database_url) as session:
        started = dict(session.execute(select(Conversation.id, Conversation.started_at)).all())
    assert [started[i] for i in ids] == [T0 + timedelta(minutes=m) for m in minutes]
