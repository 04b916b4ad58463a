"""One engine per database URL, with the SQLite settings that make the embedded default durable."""

from __future__ import annotations

import sqlite3
import time
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the web app read while the pipeline writes; foreign keys are off by default."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _set_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Turning a new file to WAL needs it to itself, and SQLite answers "locked" at once there rather
# than waiting (its busy timeout does not apply): two processes opening a fresh database at the
# same moment (two first-time `atdesk ingest`) retry for up to this long.
WAL_SWITCH_WAIT_S = 30.0


def _set_wal(cursor: Any) -> None:
    """PRAGMA journal_mode=WAL, retried while another connection holds the new file."""
    deadline = time.monotonic() + WAL_SWITCH_WAIT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for both."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """The process-wide engine for a URL (engines own pools, so they are made once)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    event.listen(engine, "connect", _postgres_session)
    return engine


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    """Plan each run of a statement for its own values (ADR 105).

    psycopg prepares a statement on its fifth run, and PostgreSQL may then keep one plan for
    every later run: one chosen while a table was nearly empty (a fresh database, the start of
    a replay) stayed a sequential scan after the table had grown. Set on the session, not as a
    startup option, which PgBouncer refuses.
    """
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET inside a transaction is undone by its rollback
    cursor = dbapi_connection.cursor()
    cursor.execute("SET plan_cache_mode = force_custom_plan")
    cursor.close()
    dbapi_connection.autocommit = autocommit
