"""Login rate limiting: a sliding window per client address and username, in memory."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    """Allow `limit` attempts per `window_s` seconds per key; failures count, successes reset."""

    def __init__(self, limit: int = 10, window_s: float = 300.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds until the next attempt is allowed (0 when allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) < self.limit:
                return 0.0
            return hits[0] + self.window_s - now

    def failed(self, key: str, now: float | None = None) -> None:
        """Count one failed attempt."""
        with self._lock:
            self._hits[key].append(time.monotonic() if now is None else now)

    def reset(self, key: str) -> None:
        """Forget the key after a successful login."""
        with self._lock:
            self._hits.pop(key, None)
