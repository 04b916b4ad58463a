"""PostgreSQL plans every run of a statement for its own values: a plan kept from when a table
was nearly empty (a fresh database, a replay's first batches) made each later lookup a
sequential scan, and the twcs replay waited 21 s on one such read (ADR 105)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from atdesk.models import ConversationNode
from atdesk.storage.engine import get_engine


def test_a_statement_prepared_on_an_empty_table_is_planned_anew_each_run(
    database_url: str,
) -> None:
    engine = get_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans every statement as it runs")
    lookup = select(ConversationNode.conversation_id).where(
        ConversationNode.network == "x", ConversationNode.node_id.in_(["1", "2", "3"])
    )
    with engine.connect() as conn:
        for _ in range(12):  # psycopg prepares it on the fifth run
            assert conn.execute(lookup).all() == []
        plans = conn.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%FROM conversation_nodes%'"
            )
        ).one()
    assert plans.generic_plans == 0 and plans.custom_plans >= 7
