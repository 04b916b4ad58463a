"""Ingest throughput: the 37,714-post twcs replay through the whole pipeline, SQLite and PostgreSQL.

Run: .venv/bin/python bench/bench_ingest.py [--postgres URL] [--runs N]
Prints one line per backend and run; copy the table into docs/benchmarks.md with the date.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atdesk.config import Settings
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.ingest import ingest_file
from atdesk.storage.engine import get_engine, normalise_url
from atdesk.storage.migrate import upgrade


def measure(url: str, path: Path) -> tuple[float, float, int]:
    """Seconds for the first (storing) run and the second (idempotent) run, and posts stored."""
    upgrade(url)
    started = time.perf_counter()
    report = ingest_file(path, url, EmbeddedBus(url), warn=lambda _: None)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest_file(path, url, EmbeddedBus(url), warn=lambda _: None)
    second = time.perf_counter() - started
    assert again.pipeline.stored == 0, "second run must store nothing"
    get_engine(url).dispose()
    return first, second, report.pipeline.stored


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    """A new empty database on the server, and its URL."""
    name = f"atdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = (
        make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )
    return name, url


def drop_postgres(admin_url: str, name: str) -> None:
    """Remove the benchmark database."""
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    """Run the benchmark and print a markdown table row per run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("ATDESK_TEST_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    path = Path(Settings().data_dir) / "twcs" / "twcs_merged.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found; set ATDESK_DATA_DIR")
    cpu = platform.processor() or platform.machine()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d} {cpu}, {os.cpu_count()} cores, {platform.python_version()}"
    )
    print("| backend | posts | first run s | posts/s | rerun s (stores nothing) |")
    print("|---|---|---|---|---|")
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            first, second, stored = measure(f"sqlite:///{tmp}/bench.db", path)
        print(f"| SQLite | {stored} | {first:.1f} | {stored / first:,.0f} | {second:.1f} |")
        if args.postgres:
            name, url = fresh_postgres(args.postgres)
            try:
                first, second, stored = measure(url, path)
            finally:
                drop_postgres(args.postgres, name)
            print(
                f"| PostgreSQL 15 | {stored} | {first:.1f} | {stored / first:,.0f} | {second:.1f} |"
            )


if __name__ == "__main__":
    main()
