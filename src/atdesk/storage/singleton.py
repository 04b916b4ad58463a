"""Work that one process at a time should do, however many workers run: two report-facts
refreshes at once collide on the same rows, two discoveries name the same issue twice."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from atdesk.storage.engine import get_engine


def lock_key(name: str) -> int:
    """A stable 31-bit key for an advisory lock, the same in every process."""
    return zlib.crc32(f"atdesk:{name}".encode()) & 0x7FFFFFFF


@contextmanager
def only_one(database_url: str, name: str) -> Iterator[bool]:
    """Whether this process may do `name` now: on PostgreSQL it holds a session advisory lock
    on a connection of its own for the block (another holder: False, at once); SQLite's one
    writer already runs such passes one after another, so there it is always True."""
    engine = get_engine(database_url)
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    with engine.connect() as connection:
        held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
