"""Bring a database to the newest schema with Alembic; nothing calls create_all.

Migrations are serialised: two processes starting at once on a fresh database (two
`atdesk ingest`, or a worker beside the web app) take turns, and the second finds the schema
at head and does nothing. PostgreSQL takes a transaction-level advisory lock; SQLite takes
its write lock (BEGIN IMMEDIATE), which also makes the SQLite migration one transaction.
"""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from atdesk.storage.engine import get_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock's key for migrations: the bytes of "atdesk.m" (one bigint lock, a
# space apart from the two-integer locks other code takes).
MIGRATION_LOCK_KEY = int.from_bytes(b"atdesk.m", "big")
# How long a second process waits for the first one's migration on SQLite (its own busy
# timeout is 30 s; a migration of a big database can take longer).
SQLITE_LOCK_WAIT_S = 600.0


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def lock_for_migration(connection: Connection, wait_s: float = SQLITE_LOCK_WAIT_S) -> None:
    """Hold the database's migration lock until this connection's transaction ends."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif dialect == "sqlite":
        deadline = time.monotonic() + wait_s
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision` in one transaction, one process at a time."""
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to `revision`, one process at a time."""
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
