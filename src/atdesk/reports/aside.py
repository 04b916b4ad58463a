"""A report page's independent reads run side by side: the post tallies of a keyed table are
counted by the database on a second connection while this thread sums the case rollups, so the
page uses the machine's second core (ADR 103).

Only for sessions that have written nothing: the side read sees what is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")

# Small on purpose: each task holds one database connection while the page's thread waits.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="atdesk-report-aside")


def aside(session: Session, read: Callable[[Session], T]) -> Future[T]:
    """Start `read` on its own read-only session of `session`'s database."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)

    def run() -> T:
        with Session(engine) as other:
            try:
                return read(other)
            finally:
                other.rollback()

    return _POOL.submit(run)
