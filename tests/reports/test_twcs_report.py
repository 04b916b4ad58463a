"""The twcs check: per-brand first-response medians and p90 from `atdesk report --json` agree
with the figures computed straight from the CSV's reply graph (inbound tweet -> the brand's
first reply in that conversation), on whole conversations of the largest brands."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from atdesk.cli import main

BRANDS = 5  # the brands with the most answered conversations


def _conversations(rows: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """The reply graph's connected components (tweet ids linked by either direction)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        for other in [row["in_response_to_tweet_id"], *row["response_tweet_id"].split(",")]:
            if other:
                parent[find(row["tweet_id"])] = find(other)
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[find(row["tweet_id"])].append(row)
    return list(groups.values())


def _when(row: dict[str, str]) -> datetime:
    return datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")


def _first_responses(conversation: list[dict[str, str]]) -> tuple[str, float] | None:
    """(brand, seconds) from the first inbound tweet to the brand's first reply after it."""

    def order(r: dict[str, str]) -> tuple[datetime, int]:
        return (_when(r), int(r["tweet_id"]))

    inbound = sorted((r for r in conversation if r["inbound"] == "True"), key=order)
    replies = sorted((r for r in conversation if r["inbound"] == "False"), key=order)
    if not inbound:
        return None
    first = _when(inbound[0])
    reply = next((r for r in replies if _when(r) >= first), None)
    if reply is None:
        return None
    return reply["author_id"], (_when(reply) - first).total_seconds()


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(9 * len(ordered) + 9) // 10 - 1]  # the nearest rank, ceil(0.9 n)


@pytest.mark.data
def test_first_response_medians_agree_with_the_csv_reply_graph(
    data_dir: Path, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = data_dir / "twcs" / "twcs_merged.csv"
    if not source.exists():
        pytest.skip(f"no twcs replay at {source}")
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    conversations = _conversations(rows)
    expected: dict[str, list[float]] = defaultdict(list)
    for conversation in conversations:
        found = _first_responses(conversation)
        if found is not None:
            expected[found[0]].append(found[1])
    largest = sorted(expected, key=lambda b: (-len(expected[b]), b))[:BRANDS]
    handles = {f"@{b.lower()}" for b in largest}
    kept = [
        c
        for c in conversations
        if any(r["author_id"] in largest or handles & set(r["text"].lower().split()) for r in c)
    ]
    subset = tmp_path / "largest.csv"
    with subset.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(r for c in kept for r in c)

    monkeypatch.setenv("ATDESK_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    ingested = runner.invoke(main, ["ingest", str(subset)])
    assert ingested.exit_code == 0, ingested.output
    result = runner.invoke(main, ["report", "--json"])
    assert result.exit_code == 0, result.output
    report = {r["brand"]: r for r in json.loads(result.stdout)}
    for brand in largest:
        values = expected[brand]
        got = report[brand]
        assert got["first_response_median_s"] == statistics.median(values), brand
        assert got["first_response_p90_s"] == _p90(values), brand
        answered = round(got["answered_share"] * got["cases"])
        assert abs(answered - len(values)) <= max(1, len(values) // 100), brand
