"""The examples the atdesk team wrote and labelled itself (training/data/team_examples.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

TEAM_FILE = Path(__file__).resolve().parent / "data" / "team_examples.csv"


def load_team_rows() -> list[dict[str, str]]:
    """Every row: text, intent, sentiment."""
    with TEAM_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_team_examples() -> list[tuple[str, str]]:
    """(text, intent) pairs."""
    return [(row["text"], row["intent"]) for row in load_team_rows()]
