"""The reports filters: parsed from the query string, refused when malformed, and limited to
the viewer's brands when they become a scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from atdesk.reports.filters import (
    BadFilter,
    Filters,
    parse_filters,
    scope_filters,
    window,
)

NOW = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def test_no_filters_is_the_last_30_days_as_the_engine_takes_them() -> None:
    filters = parse_filters({})
    assert filters == Filters()
    asked = scope_filters(filters, now=NOW)
    assert asked.since == NOW - timedelta(days=30) and asked.until == NOW
    assert asked.brand_id is None and asked.team_id is None
    picked = scope_filters(parse_filters({"brand_id": "7", "network": "x"}), now=NOW)
    assert (picked.brand_id, picked.network) == (7, "x")


def test_presets_and_a_custom_period_of_whole_utc_days() -> None:
    assert window(parse_filters({"period": "7d"}), now=NOW).since == NOW - timedelta(days=7)
    assert window(parse_filters({"period": "90d"}), now=NOW).bucket == "week"
    assert window(parse_filters({"period": "30d"}), now=NOW).bucket == "day"
    custom = parse_filters({"period": "custom", "since": "2026-02-01", "until": "2026-02-03"})
    period = window(custom, now=NOW)
    assert period.since == datetime(2026, 2, 1, tzinfo=UTC)
    assert period.until == datetime(2026, 2, 4, tzinfo=UTC), "the last day is included"
    assert period.days == 3
    assert custom.query() == {"period": "custom", "since": "2026-02-01", "until": "2026-02-03"}
    ignored = parse_filters({"since": "2026-02-01"})
    assert ignored.since is None, "dates count only for a custom period"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"period": "year"}, "period must be one of 7d, 30d, 90d, custom"),
        ({"period": "custom", "since": "2026-02-01"}, "needs both dates"),
        ({"period": "custom", "since": "2026-02-05", "until": "2026-02-01"}, "before it starts"),
        ({"period": "custom", "since": "2024-01-01", "until": "2026-02-01"}, "at most 400 days"),
        ({"period": "custom", "since": "01/02/2026", "until": "2026-02-01"}, "YYYY-MM-DD"),
        ({"brand_id": "acme"}, "brand_id must be a row id"),
        ({"team_id": "-1"}, "team_id must be a row id"),
        ({"network": "myspace"}, "network must be one of x, mastodon, bluesky"),
    ],
)
def test_malformed_filters_are_refused_with_the_reason(params: dict[str, str], says: str) -> None:
    with pytest.raises(BadFilter, match=says) as refused:
        parse_filters(params)
    assert refused.value.status == 422


def test_a_table_row_narrows_the_filters_its_drill_down_keeps() -> None:
    base = parse_filters({"network": "x", "period": "7d"})
    assert base.narrowed("agent", "12").agent_id == 12
    assert base.narrowed("team", "3").team_id == 3
    assert base.narrowed("brand", "5").brand_id == 5
    assert base.narrowed("issue", "9").issue_id == 9
    assert base.narrowed("intent", "billing").intent == "billing"
    assert base.narrowed("network", "bluesky").network == "bluesky"
    day = base.narrowed("day", "2026-02-10")
    assert (day.period, day.since, day.until) == ("custom", date(2026, 2, 10), date(2026, 2, 10))
    week = base.narrowed("week", "2026-W07")
    assert (week.since, week.until) == (date(2026, 2, 9), date(2026, 2, 15))
    assert day.network == "x", "the other filters stay"
    with pytest.raises(BadFilter):
        base.narrowed("agent", "")  # the unassigned row: no filter names it
    with pytest.raises(BadFilter):
        base.narrowed("network", "myspace")
    with pytest.raises(BadFilter):
        base.narrowed("week", "2026-W60")
