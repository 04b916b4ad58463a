"""Two first-time upgrades at once on a fresh database both succeed (two `atdesk ingest`)."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from atdesk.storage.engine import get_engine, normalise_url
from atdesk.storage.migrate import alembic_config, upgrade
from tests.conftest import POSTGRES_ENV, _missing_service


def upgrade_after(barrier: Barrier, url: str) -> None:
    """In a fresh process: wait for the other one, then migrate (the race two CLIs run)."""
    barrier.wait(timeout=120)
    upgrade(url)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        _missing_service("PostgreSQL", POSTGRES_ENV)
    assert admin_url is not None
    name = f"atdesk_fresh_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(admin_url)).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        get_engine(url.render_as_string(hide_password=False)).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_first_time_upgrades_at_once_both_succeed_and_reach_head(
    empty_database_url: str,
) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    workers = [
        spawn.Process(target=upgrade_after, args=(barrier, empty_database_url)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    assert [worker.exitcode for worker in workers] == [0, 0]

    head = ScriptDirectory.from_config(alembic_config(empty_database_url)).get_current_head()
    engine = get_engine(empty_database_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = set(inspect(connection).get_table_names())
    assert versions == [(head,)]
    assert {"brands", "posts", "cases"} <= tables
