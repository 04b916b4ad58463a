"""Periodic work runs in one process at a time: a second holder of the same name is told no at
once on PostgreSQL, and may go again once the first let go; other names are independent."""

from __future__ import annotations

from atdesk.storage.engine import get_engine
from atdesk.storage.singleton import lock_key, only_one


def test_one_holder_at_a_time_on_postgresql_and_always_on_sqlite(database_url: str) -> None:
    postgres = get_engine(database_url).dialect.name == "postgresql"
    with only_one(database_url, "report-facts") as first:
        assert first
        with only_one(database_url, "report-facts") as second:
            assert second is not postgres  # the advisory lock is held by another connection
        with only_one(database_url, "spikes") as other:
            assert other
    with only_one(database_url, "report-facts") as again:
        assert again  # released when the first block ended


def test_keys_are_stable_and_distinct() -> None:
    assert lock_key("report-facts") == lock_key("report-facts")
    assert lock_key("report-facts") != lock_key("spikes")
    assert 0 <= lock_key("retention") < 2**31
