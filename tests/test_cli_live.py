"""`atdesk ingest --live FILE [--wait]` (SPEC §4): bad rows by line, a summary, and on Redis the
command returns with --wait only once `atdesk worker` processes have stored and automated
every post it published (or says it timed out, exit 1)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import select

from atdesk.cli import main
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.models import AutomatedPost, Callback, Case
from atdesk.models import Post as PostRow
from atdesk.pipeline.redis_bus import RedisBus
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.worker import AutomationRunner, Worker
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox


def line(native_id: str, text: str, handle: str = "dana", **extra: Any) -> str:
    return json.dumps(
        {
            "network": "x",
            "id": native_id,
            "text": text,
            "created_at": "2017-10-31T22:10:47Z",
            "author": {"id": f"44{native_id}", "handle": handle, "name": handle.title()},
            **extra,
        }
    )


def seed_acme(settings: Settings) -> Settings:
    """The Acme brand (@acmehelp) and Dana on record with a phone."""
    with transaction(settings.database_url) as session:
        make_brand(session)
        dana = create_customer(session, name="Dana", phone="+1 415 555 0142", actor="test")
        link_handle(session, dana, Network.X, "dana", actor="test")
    return settings


@pytest.fixture
def acme(settings: Settings) -> Settings:
    """Acme and Dana in the test database."""
    return seed_acme(settings)


def stored(settings: Settings) -> dict[str, PostRow]:
    with transaction(settings.database_url) as session:
        return {p.native_id: p for p in session.scalars(select(PostRow))}


def test_bad_rows_are_skipped_by_line_and_the_rest_runs_live(
    acme: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "live.jsonl"
    rows = [
        line("1", "@acmehelp please call me about my statement"),
        "{broken",
        json.dumps({"network": "x", "id": "3", "created_at": "2017-10-31T22:10:47Z"}),
        line("4", "@acmehelp my order is late", handle="lee"),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("ATDESK_DATABASE_URL", acme.database_url)
    monkeypatch.delenv("ATDESK_REDIS_URL", raising=False)
    result = CliRunner().invoke(main, ["ingest", "--live", str(path)])
    assert result.exit_code == 0, result.output
    assert "skipped line 2: not valid JSON" in result.stderr
    assert "skipped line 3: missing text" in result.stderr
    assert (
        "2 rows read, 2 posts published live (0 already stored), 2 bad rows skipped;"
        " 0 brands registered; handled: 2 posts stored, 2 on cases," in result.stdout
    )
    posts = stored(acme)
    assert set(posts) == {"1", "4"}
    with transaction(acme.database_url) as session:
        assert len(session.scalars(select(Callback)).all()) == 1  # Dana's, not Lee's
        assert all(not c.history for c in session.scalars(select(Case)))


def test_wait_goes_with_live(
    acme: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "live.jsonl"
    path.write_text(line("1", "@acmehelp hi") + "\n", encoding="utf-8")
    monkeypatch.setenv("ATDESK_DATABASE_URL", acme.database_url)
    result = CliRunner().invoke(main, ["ingest", "--wait", str(path)])
    assert result.exit_code == 2 and "--wait goes with --live" in result.output
    assert stored(acme) == {}


@pytest.fixture
def own_redis(redis_url: str) -> Iterator[str]:
    """A database of its own on the test Redis, so parallel Redis tests never share streams."""
    url = redis_url.rsplit("/", 1)[0] + "/9"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.mark.redis
def test_wait_returns_once_the_workers_stored_and_automated_every_post(
    sqlite_url: str, own_redis: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, redis_url=own_redis, secret_key="test-secret-key-0123456789"
    )
    seed_acme(settings)
    path = tmp_path / "live.jsonl"
    rows = [line(str(n), "@acmehelp please call me about my statement") for n in range(1, 4)]
    rows.append(line("9", "@acmehelp thanks, all good now", handle="lee"))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("ATDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ATDESK_REDIS_URL", own_redis)

    # No worker yet: without --wait the posts are queued and the command returns at once.
    queued = CliRunner().invoke(main, ["ingest", "--live", str(path)])
    assert queued.exit_code == 0, queued.output
    assert (
        "4 posts published live" in queued.output
        and "queued for the `atdesk worker`" in queued.output
    )
    # Still none: --wait gives up after its timeout with what to check, exit 1.
    timed_out = CliRunner().invoke(
        main, ["ingest", "--live", "--wait", "--timeout", "0.5", str(path)]
    )
    assert timed_out.exit_code == 1
    assert "timed out after 0.5 s: 4 published posts are not handled yet" in timed_out.output
    assert stored(settings) == {}

    worker = Worker(settings, bus=RedisBus(own_redis, sqlite_url), idle_sleep_s=0.05)
    outbox = RecordingOutbox()
    worker.automations = AutomationRunner(settings, worker.bus, outbox=outbox)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        result = CliRunner().invoke(
            main, ["ingest", "--live", "--wait", "--timeout", "120", str(path)]
        )
        # --wait returned only once all was handled (the worker's job loop may already have
        # sent the acknowledgements meanwhile: those are outbound posts, not counted here).
        with transaction(sqlite_url) as session:
            posts = session.scalars(select(PostRow).where(PostRow.inbound)).all()
            automated = session.scalars(select(AutomatedPost.post_id)).all()
            callbacks = session.scalars(select(Callback)).all()
    finally:
        worker.stop()
        thread.join(10)
        worker.automations.close()
    assert result.exit_code == 0, result.output
    assert "(0 already stored)" in result.output
    assert "handled: 4 posts stored, 4 on cases" in result.output
    assert len(posts) == 4 and set(automated) == {p.id for p in posts}
    assert len(callbacks) == 3
