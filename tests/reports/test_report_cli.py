"""`atdesk report` right after a history ingest: the SPEC's keys, per-brand numbers, Markdown
with charts, and clear errors (bad ISO: exit 2; unknown brand: exit 1)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from atdesk.cli import main
from atdesk.reports.brand_report import SPEC_KEYS

ROWS = [
    # tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id
    ("1", "100", "True", "Mon Mar 02 09:00:00 +0000 2026", "@AcmeHelp my parcel is late", "2", ""),
    ("2", "AcmeHelp", "False", "Mon Mar 02 09:30:00 +0000 2026", "@100 sorry, checking", "", "1"),
    ("3", "101", "True", "Mon Mar 02 10:00:00 +0000 2026", "@AcmeHelp the app crashes", "4", ""),
    ("4", "AcmeHelp", "False", "Mon Mar 02 12:00:00 +0000 2026", "@101 fixed now", "", "3"),
    ("5", "102", "True", "Tue Mar 03 11:00:00 +0000 2026", "@OtherCo hello there", "6", ""),
    (
        "6",
        "OtherCo",
        "False",
        "Tue Mar 03 11:10:00 +0000 2026",
        "@102 hi, how can we help",
        "",
        "5",
    ),
    ("7", "103", "True", "Tue Mar 03 12:00:00 +0000 2026", "@OtherCo my bill is wrong", "", ""),
]


@pytest.fixture
def ingested(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ATDESK_DATABASE_URL", database_url)
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "tweet_id",
                "author_id",
                "inbound",
                "created_at",
                "text",
                "response_tweet_id",
                "in_response_to_tweet_id",
            ]
        )
        writer.writerows(ROWS)
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    return runner


def test_report_json_right_after_a_history_ingest(ingested: CliRunner) -> None:
    result = ingested.invoke(main, ["report", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["brand"] for r in rows] == ["AcmeHelp", "OtherCo"]
    for row in rows:
        assert list(row)[: len(SPEC_KEYS)] == list(SPEC_KEYS)
    acme, other = rows
    assert acme["inbound"] == 2 and acme["cases"] == 2 and acme["answered_share"] == 1.0
    assert acme["first_response_median_s"] == (1800 + 7200) / 2
    assert acme["first_response_p90_s"] == 7200
    assert acme["csat"] is None and acme["nps"] is None and acme["cost_per_resolution"] is None
    assert other["inbound"] == 2 and other["cases"] == 2 and other["answered_share"] == 0.5
    assert other["first_response_median_s"] == 600 and other["first_response_p90_s"] == 600
    only = json.loads(ingested.invoke(main, ["report", "--json", "--brand", "OtherCo"]).stdout)
    assert [r["brand"] for r in only] == ["OtherCo"] and only[0] == other
    monday = ingested.invoke(
        main, ["report", "--json", "--since", "2026-03-02", "--until", "2026-03-02T11:00Z"]
    )
    acme_monday, other_monday = json.loads(monday.stdout)
    assert acme_monday["cases"] == 2 and other_monday["cases"] == 0
    assert other_monday["inbound"] == 0 and other_monday["first_response_median_s"] is None


def test_report_out_writes_markdown_and_charts(ingested: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = ingested.invoke(main, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "| AcmeHelp | 2 | 2 | 100.0 % | 1 h 15 min | 2 h 00 min |" in text
    for chart in ("volume_by_intent.svg", "first_response.svg", "satisfaction.svg"):
        assert f"]({chart})" in text
        svg = (out / chart).read_text(encoding="utf-8")
        assert "<svg" in svg and "</svg>" in svg
    assert "No survey answers in this period" in (out / "satisfaction.svg").read_text()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--since", "yesterday"], 2, "not an ISO 8601 date or time"),
        (["--until", "2026-13-01"], 2, "not an ISO 8601 date or time"),
        (["--since", "2026-03-03", "--until", "2026-03-02"], 2, "--since must be before --until"),
        (["--brand", "Nobody"], 1, "no brand named 'Nobody'"),
    ],
)
def test_report_refuses_bad_input(
    ingested: CliRunner, args: list[str], code: int, message: str
) -> None:
    result = ingested.invoke(main, ["report", "--json", *args])
    assert result.exit_code == code, result.output
    assert message in result.output


def test_cost_per_resolution_comes_from_the_costs_seam(
    ingested: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atdesk.reports import brand_report

    asked: list[tuple[str | None, list[int]]] = []

    def priced(_session: object, scope: object, brand_ids: list[int]) -> dict[int, float | None]:
        asked.append((str(getattr(scope, "since", None)), list(brand_ids)))
        return {brand_ids[0]: 12.5}

    monkeypatch.setattr(brand_report, "costs_per_resolution", priced)
    result = ingested.invoke(main, ["report", "--json", "--since", "2026-03-01"])
    acme, other = json.loads(result.stdout)
    assert acme["cost_per_resolution"] == 12.5 and other["cost_per_resolution"] is None
    assert len(asked) == 1 and asked[0][0] == "2026-03-01 00:00:00+00:00"
    assert len(asked[0][1]) == 2, "one call for every brand"
