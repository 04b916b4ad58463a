"""`atdesk demo` says how its twcs replay is going instead of staying silent for a minute."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from atdesk.config import Settings
from atdesk.demo import setup as demo_setup
from atdesk.demo.setup import ReplayProgress, prepare_demo
from atdesk.pipeline import ingest

ROWS = 12
COLUMNS = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
]


def _twcs(data_dir: Path) -> None:
    """A small replay file where the demo looks for twcs: customers asking a shop."""
    (data_dir / "twcs").mkdir(parents=True)
    with (data_dir / "twcs" / "twcs_merged.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for n in range(1, ROWS + 1):
            created = f"Tue Oct 31 22:{n:02d}:47 +0000 2017"
            writer.writerow([n, f"cust{n}", "True", created, f"@shop my order {n} is late", "", ""])


def test_the_replay_prints_rows_posts_and_rate_as_it_goes(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    _twcs(data_dir)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 4)  # three batches of the small file
    monkeypatch.setattr(demo_setup, "PROGRESS_EVERY_ROWS", 4)
    monkeypatch.setattr(demo_setup, "PROGRESS_EVERY_S", 3600.0)
    settings = replace(
        Settings(),
        database_url=sqlite_url,
        secret_key="test-secret-key-0123456789",
        data_dir=str(data_dir),
    )
    said: list[str] = []
    summary = prepare_demo(settings, replay=True, echo=said.append, live_networks=False)
    progress = [line for line in said if line.startswith("replay: ") and "rows/s" in line]
    assert [line.split(" rows read")[0] for line in progress] == [
        "replay: 4",
        "replay: 8",
        "replay: 12",
    ]
    assert all("posts stored" in line for line in progress)
    assert summary.replay_posts == ROWS
    assert any(line.startswith(f"replay: {ROWS} rows read, {ROWS} new posts") for line in said)


def test_progress_is_said_every_so_many_rows_or_seconds() -> None:
    ticks = iter([0.0, 1.0, 2.0, 9.0, 9.5])
    said: list[str] = []
    progress = ReplayProgress(
        said.append, lambda: 7, clock=lambda: next(ticks), every_rows=5000, every_s=5.0
    )
    progress(1000)  # 1 s in: too early, too few
    progress(1000)  # 2 s
    progress(1000)  # 9 s: time to say something
    progress(5000)  # 5,000 more rows
    assert said == [
        "replay: 3,000 rows read, 7 posts stored, 333 rows/s",
        "replay: 8,000 rows read, 7 posts stored, 842 rows/s",
    ]
