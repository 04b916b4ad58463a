"""`atdesk trends` (SPEC §5): spikes from stored posts' created_at, as JSON or a table, with
clear errors for a bad date or an unknown brand."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from atdesk.cli import main
from atdesk.config import Settings
from atdesk.storage.session import transaction
from tests.factories import make_brand
from tests.insights.spike_world import BURST_AT, store_stream, stream

CONTRACT = {"label", "terms", "brand", "start", "end", "posts", "baseline_per_hour",
            "peak_per_hour", "severity"}  # fmt: skip


@pytest.fixture
def replayed(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Acme with five steady days and an outage, stored as a replayed history would be."""
    monkeypatch.setenv("ATDESK_DATABASE_URL", settings.database_url)
    with transaction(settings.database_url) as session:
        make_brand(session)
    store_stream(settings, stream(seed=7))
    return settings


def test_trends_json_lists_the_outage_with_the_contract_keys(replayed: Settings) -> None:
    result = CliRunner().invoke(main, ["trends", "--json"])
    assert result.exit_code == 0, result.output
    spikes = json.loads(result.output)
    assert len(spikes) == 1
    (spike,) = spikes
    assert set(spike) >= CONTRACT
    assert spike["brand"] == "Acme"
    assert spike["severity"] in ("high", "critical")
    assert 110 <= spike["posts"] <= 150
    assert spike["baseline_per_hour"] < 10 < spike["peak_per_hour"]
    assert "update 5.2" in spike["terms"]
    assert spike["start"].startswith(BURST_AT.strftime("%Y-%m-%dT%H"))


def test_trends_keeps_to_the_brand_and_the_period(replayed: Settings) -> None:
    after = (BURST_AT + timedelta(hours=4)).isoformat()
    before = (BURST_AT - timedelta(days=1)).strftime("%Y-%m-%d")
    cases = [
        (["--brand", "Acme"], 1),
        (["--since", after], 0),
        (["--until", before], 0),
        (["--since", before, "--until", after], 1),
    ]
    for options, count in cases:
        result = CliRunner().invoke(main, ["trends", "--json", *options])
        assert result.exit_code == 0, (options, result.output)
        assert len(json.loads(result.output)) == count, options
    table = CliRunner().invoke(main, ["trends"])
    assert "Acme" in table.output and "update 5.2" in table.output


def test_trends_refuses_bad_dates_and_unknown_brands(replayed: Settings) -> None:
    bad_date = CliRunner().invoke(main, ["trends", "--json", "--since", "last tuesday"])
    assert bad_date.exit_code == 2
    assert "ISO 8601" in bad_date.output
    backwards = CliRunner().invoke(
        main, ["trends", "--since", "2026-03-02", "--until", "2026-03-01"]
    )
    assert backwards.exit_code == 2
    unknown = CliRunner().invoke(main, ["trends", "--json", "--brand", "Nope"])
    assert unknown.exit_code == 1
    assert "no brand named 'Nope'" in unknown.output
