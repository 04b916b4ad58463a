"""Migration 0028 fills the day sums from the hour rows already rolled up, so a page reads the
same numbers the moment after the upgrade as before it."""

from __future__ import annotations

from sqlalchemy import insert

from atdesk.models import ReportPostHour
from atdesk.reports.post_hours import rollup_snapshot
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction


def test_day_rows_are_the_sums_of_the_hours_already_held(database_url: str) -> None:
    downgrade(database_url, "0027")
    day = 20_000  # 2024-10-03
    hours = [  # brand, hour, network, intent, inbound, filtered, positive, neutral, negative
        (1, day * 24 + 0, "x", "refund", 3, 1, 1, 1, 1),
        (1, day * 24 + 23, "x", "refund", 2, 0, 0, 2, 0),
        (1, day * 24 + 5, "x", None, 4, 4, 0, 0, 0),
        (1, (day + 1) * 24, "x", "refund", 7, 0, 7, 0, 0),
        (2, day * 24 + 5, "mastodon", "refund", 1, 0, 0, 0, 1),
    ]
    names = ("brand_id", "hour", "network", "intent", "inbound", "filtered", "positive")
    names += ("neutral", "negative")
    with transaction(database_url) as session:
        session.execute(insert(ReportPostHour), [dict(zip(names, h, strict=True)) for h in hours])
    upgrade(database_url)
    with transaction(database_url) as session:
        days = [row[1:] for row in rollup_snapshot(session) if row[0] == "report_post_days"]
    days.sort(key=lambda row: (row[0], row[1], row[2], row[3] or ""))  # NULLs sort apart per db
    assert days == [
        (1, day, "x", None, 4, 4, 0, 0, 0),
        (1, day, "x", "refund", 5, 1, 1, 3, 1),
        (1, day + 1, "x", "refund", 7, 0, 7, 0, 0),
        (2, day, "mastodon", "refund", 1, 0, 0, 0, 1),
    ]
