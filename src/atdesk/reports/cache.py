"""A short-lived cache of report answers, so a page's repeated reads over 100,000 cases are
served in milliseconds (ADR 91).

An answer is kept for TTL_S seconds at most, and dropped at once when this process refreshes
the case facts; its key is the database, the question (scope, breakdown, ...) and `now` to the
minute, so within a minute a report may show a backlog age up to a minute old.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")

TTL_S = 60.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
_generation = 0


def invalidate() -> None:
    """Forget every answer (the facts changed)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def minute(now: datetime) -> datetime:
    """`now` to the minute, the grain at which answers are shared."""
    return now.replace(second=0, microsecond=0)


def peek(session: Session, question: Hashable) -> Any | None:
    """The remembered answer to `question`, or None (nothing is computed)."""
    key = (str(session.get_bind().engine.url), question)
    moment = time.monotonic()
    with _lock:
        found = _entries.get(key)
        if found is not None and found[1] == _generation and moment - found[0] < TTL_S:
            return found[2]
    return None


def cached(session: Session, question: Hashable, compute: Callable[[], T]) -> T:
    """The answer to `question` on this session's database: remembered, or computed now."""
    key = (str(session.get_bind().engine.url), question)
    # monotonic, not the wall clock: only how long an answer has been kept matters here
    moment = time.monotonic()
    with _lock:
        found = _entries.get(key)
        generation = _generation
        if found is not None and found[1] == generation and moment - found[0] < TTL_S:
            _entries.move_to_end(key)
            return found[2]  # type: ignore[no-any-return]
    answer = compute()
    with _lock:
        if generation == _generation:
            _entries[key] = (moment, generation, answer)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return answer
