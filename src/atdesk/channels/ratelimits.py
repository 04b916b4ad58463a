"""Rate-limit headers of the three networks, read into one shape and remembered per endpoint.

X sends `x-rate-limit-*` with the reset in epoch seconds, Mastodon `X-RateLimit-*` with an
ISO 8601 reset time, Bluesky `RateLimit-*` (IETF draft names) with epoch seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from atdesk.domain.networks import Network


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the network last said about one endpoint's window."""

    endpoint: str
    limit: int | None
    remaining: int | None
    reset_at: float | None

    @property
    def exhausted(self) -> bool:
        """True when no call is left in the current window."""
        return self.remaining is not None and self.remaining <= 0

    def seconds_until_reset(self, now: float) -> float:
        """How long until the window resets (0 when unknown or past)."""
        return max(0.0, self.reset_at - now) if self.reset_at is not None else 0.0


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _epoch(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _iso(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None


def parse_x(headers: Mapping[str, str], endpoint: str) -> RateLimit | None:
    """`x-rate-limit-limit`, `-remaining`, `-reset` (epoch seconds)."""
    return _build(
        endpoint,
        headers.get("x-rate-limit-limit"),
        headers.get("x-rate-limit-remaining"),
        _epoch(headers.get("x-rate-limit-reset")),
    )


def parse_mastodon(headers: Mapping[str, str], endpoint: str) -> RateLimit | None:
    """`X-RateLimit-Limit`, `-Remaining`, `-Reset` (an ISO 8601 timestamp, not epoch)."""
    return _build(
        endpoint,
        headers.get("x-ratelimit-limit"),
        headers.get("x-ratelimit-remaining"),
        _iso(headers.get("x-ratelimit-reset")),
    )


def parse_bluesky(headers: Mapping[str, str], endpoint: str) -> RateLimit | None:
    """`RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds)."""
    return _build(
        endpoint,
        headers.get("ratelimit-limit"),
        headers.get("ratelimit-remaining"),
        _epoch(headers.get("ratelimit-reset")),
    )


PARSERS = {Network.X: parse_x, Network.MASTODON: parse_mastodon, Network.BLUESKY: parse_bluesky}


def _build(
    endpoint: str, limit: str | None, remaining: str | None, reset_at: float | None
) -> RateLimit | None:
    if limit is None and remaining is None and reset_at is None:
        return None
    return RateLimit(endpoint, _int(limit), _int(remaining), reset_at)


class RateLimitBook:
    """The last known window per (account, endpoint), shared by the threads of one process.

    A cache of what the server said, not account configuration: after a restart the first
    call learns it again, and a 429 is handled either way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limits: dict[tuple[str, str], RateLimit] = {}

    def record(self, account: str, limit: RateLimit) -> None:
        """Remember the newest window for this endpoint."""
        with self._lock:
            self._limits[(account, limit.endpoint)] = limit

    def get(self, account: str, endpoint: str) -> RateLimit | None:
        """The window last seen for this endpoint, if any."""
        with self._lock:
            return self._limits.get((account, endpoint))

    def of_account(self, account: str) -> tuple[RateLimit, ...]:
        """Every known window of one account, for the admin page."""
        with self._lock:
            return tuple(v for (a, _), v in sorted(self._limits.items()) if a == account)


RESET_MARGIN = 0.5
"""Seconds added after a reported reset, so a retry never lands a moment too early."""


def wait_for_reset(reset_at: float | None, now: float, fallback: float) -> float:
    """Seconds to wait after a 429: until the reset plus a margin, else the fallback."""
    if reset_at is None:
        return fallback
    return max(0.0, reset_at - now) + RESET_MARGIN
