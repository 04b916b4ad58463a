"""A digest of what an ingest stored, to prove a faster ingest stores exactly the same thing.

Run: .venv/bin/python bench/ingest_digest.py DATABASE_URL [--dump DIR]
Prints `atdesk stats --json`'s counts and one SHA-256 per table over every row the pipeline
writes (posts, authors, conversations and their nodes, cases and their children, customers,
audit rows), with the columns that hold the wall clock (received_at, created_at, ...) left out.
Two databases loaded from the same file must print the same lines; `--dump DIR` writes each
table's rows as sorted JSON lines so a difference can be diffed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select

from atdesk.pipeline.stats import counts
from atdesk.storage.engine import get_engine
from atdesk.storage.session import transaction

# Columns stamped with the time of the run, not with anything in the file.
WALL_CLOCK = {"received_at", "created_at", "updated_at", "at", "done_at", "available_at"}
SKIP_TABLES = {"bus_messages", "alembic_version"}
# Audit ids only say in which order rows were written; auto-resolve wrote its rows in the order
# the database returned the cases (no ORDER BY before issue 15), which moves with the storage.
NO_ID = {"audit_events"}


def _plain(value: Any) -> Any:
    """A JSON-able value; datetimes after the replayed years are the run's clock, not data."""
    if isinstance(value, datetime | date):
        return "<run clock>" if value.year >= 2025 else value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float):
        return round(value, 9)
    return value


def table_lines(url: str) -> dict[str, list[str]]:
    """Every non-empty table's rows as sorted JSON lines, wall-clock columns left out."""
    engine = get_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name in SKIP_TABLES:
                continue
            cols = [
                c
                for c in table.columns
                if c.name not in WALL_CLOCK and not (name in NO_ID and c.name == "id")
            ]
            lines = [
                json.dumps(
                    {c.name: _plain(v) for c, v in zip(cols, row, strict=True)},
                    sort_keys=True,
                    default=str,
                )
                for row in conn.execute(select(*cols))
            ]
            if lines:
                out[name] = sorted(lines)
    return out


def main() -> None:
    """Print the counts and one digest per table; optionally dump the rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    with transaction(args.url) as session:
        data = counts(session)
    data.pop("bus_pending", None)
    print("stats", json.dumps(data, sort_keys=True))
    for name, lines in table_lines(args.url).items():
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
        print(f"{name} {len(lines)} {digest}")
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
