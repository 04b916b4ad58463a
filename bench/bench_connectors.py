"""Connector throughput: a back-fill read from the X emulator and stored page by page, and
signed webhook deliveries accepted by the app, on SQLite (and PostgreSQL with --postgres).

Run: .venv/bin/python bench/bench_connectors.py [--mentions N] [--deliveries N] [--postgres URL]
Prints one line per measurement; copy them into docs/benchmarks.md (## Channels) with the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atdesk.brands.service import create_brand
from atdesk.channels.base import ChannelDeps
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.polling import XPollConfig
from atdesk.channels.x.provider import XChannel
from atdesk.channels.x.webhooks import SIGNATURE_HEADER, signature_of
from atdesk.config import Settings
from atdesk.connectors.store import store_batch
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from atdesk.models import ChannelAccount, ChannelConnection
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.engine import get_engine, normalise_url
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.web.app import create_app

BRAND, BRAND_ID, TOKEN, SECRET = "BenchHelp", "1200000000", "bench-token", "bench-secret"


def prepare(url: str, emulator: XEmulator) -> tuple[int, XAccount]:
    """A migrated database with the brand's connected X account, leased by this bench."""
    upgrade(url)
    state = XAccount(BRAND, BRAND_ID, TOKEN, base_url=emulator.base_url)
    with transaction(url) as session:
        brand = create_brand(session, "Bench", [(Network.X, BRAND, BRAND_ID)])
        account = session.query(ChannelAccount).filter_by(brand_id=brand.id).one()
        account.state = state.to_json()
        session.add(
            ChannelConnection(
                channel_account_id=account.id,
                holder="bench",
                status="running",
                events_read=0,
                ignored={},
                rate_limits=[],
            )
        )
        return account.id, state


def backfill(url: str, mentions: int) -> tuple[float, int]:
    """Seconds to read and store a back-fill of `mentions` posts, 100 a page; posts stored."""
    with XEmulator(validate=False) as emulator:
        emulator.add_account(BRAND, user_token=TOKEN, user_id=BRAND_ID)
        for endpoint in ("GET /2/users/:id/mentions", "GET /2/dm_events"):
            emulator.set_rate_limit(endpoint, 1_000_000, 900.0)
        for i in range(mentions):
            emulator.post(f"customer{i % 97}", f"@{BRAND} streetlight {i} is out")
        account_id, state = prepare(url, emulator)
        channel = XChannel(
            ChannelDeps(timeout=10.0),
            poll_config=XPollConfig(first_run_pages=10_000),
            poll_dms=False,
        )
        bus = EmbeddedBus(url)
        started = time.perf_counter()
        base = state
        for batch in channel.poll(state):
            with transaction(url) as session:
                store_batch(
                    session,
                    bus,
                    batch,
                    account_id=account_id,
                    holder="bench",
                    base=base,
                    configured=None,
                    limits=(),
                    now=utcnow(),
                )
            base = batch.account
        seconds = time.perf_counter() - started
    return seconds, bus.pending(INBOUND)


def deliveries(url: str, count: int) -> float:
    """Seconds for the app to verify and accept `count` signed one-post deliveries."""
    settings = replace(Settings(), database_url=url, x_consumer_secret=SECRET)
    with transaction(url) as session:
        create_brand(session, "Bench", [(Network.X, BRAND, BRAND_ID)])
    client = TestClient(create_app(settings))
    bodies = [
        json.dumps(
            {
                "for_user_id": BRAND_ID,
                "tweet_create_events": [
                    {
                        "id_str": str(1899000000000100000 + i),
                        "created_at": "Sun Mar 01 14:05:09 +0000 2026",
                        "text": f"@{BRAND} hydrant {i} leaking",
                        "user": {"id_str": "4400000001", "screen_name": "dana"},
                        "entities": {},
                    }
                ],
            }
        ).encode()
        for i in range(count)
    ]
    started = time.perf_counter()
    for body in bodies:
        headers = {SIGNATURE_HEADER: signature_of(SECRET, body)}
        answer = client.post("/webhooks/x", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["events"] == 1, answer.text
    seconds = time.perf_counter() - started
    assert EmbeddedBus(url).pending(INBOUND) == count
    return seconds


def fresh_postgres(admin_url: str) -> str:
    """A new empty database on the server, and its URL."""
    name = f"atdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )


def main() -> None:
    """Measure on SQLite (and PostgreSQL) and print the lines for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("ATDESK_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        backends = [
            ("SQLite", f"sqlite:///{Path(tmp) / 'a.db'}", f"sqlite:///{Path(tmp) / 'b.db'}")
        ]
        if args.postgres:
            backends.append(
                ("PostgreSQL", fresh_postgres(args.postgres), fresh_postgres(args.postgres))
            )
        for name, first, second in backends:
            seconds, stored = backfill(first, args.mentions)
            print(
                f"{name}: back-fill of {stored} mentions read and stored in {seconds:.2f} s "
                f"({stored / seconds:.0f} posts/s)"
            )
            upgrade(second)
            seconds = deliveries(second, args.deliveries)
            print(
                f"{name}: {args.deliveries} signed webhook deliveries accepted in "
                f"{seconds:.2f} s ({args.deliveries / seconds:.0f}/s)"
            )
            for url in (first, second):
                get_engine(url).dispose()


if __name__ == "__main__":
    main()
