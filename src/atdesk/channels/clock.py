"""Time as an injected dependency, so waits for rate limits and backoff are testable."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time in epoch seconds and a way to wait."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait; may return early when the owner is stopping."""
        ...


class SystemClock:
    """The real clock; `stop` makes long waits (a 15-minute rate-limit window) interruptible."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self._stop = stop

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less if the stop event fires."""
        if seconds <= 0:
            return
        if self._stop is None:
            time.sleep(seconds)
        else:
            self._stop.wait(seconds)


def utc_from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime for epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)
