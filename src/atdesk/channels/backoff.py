"""Reconnect delays for long-lived streams, as X documents them (and tweepy implements).

Network errors back off linearly by 250 ms up to 16 s; HTTP errors exponentially from 5 s
up to 320 s; HTTP 429 exponentially from 60 s (same cap). A healthy connection resets all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StreamFailure(StrEnum):
    """Why a stream connection ended."""

    NETWORK = "network"
    HTTP = "http"
    RATE_LIMIT = "rate_limit"


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """The documented numbers; tests may shrink them."""

    network_step: float = 0.25
    network_cap: float = 16.0
    http_start: float = 5.0
    http_cap: float = 320.0
    rate_limit_start: float = 60.0

    def worst_detection_delay(self, keepalive_timeout: float) -> float:
        """How long a silently dead stream can go unnoticed before the first reconnect."""
        return keepalive_timeout + self.network_step


class Backoff:
    """Stateful delays for one stream: call `next_delay` after each failure, `reset` on health."""

    def __init__(self, policy: ReconnectPolicy | None = None) -> None:
        self.policy = policy or ReconnectPolicy()
        self._network = 0.0
        self._http = 0.0

    def reset(self) -> None:
        """The connection proved healthy: start again from the smallest delays."""
        self._network = 0.0
        self._http = 0.0

    def next_delay(self, failure: StreamFailure) -> float:
        """The wait before the next attempt after this failure."""
        p = self.policy
        if failure is StreamFailure.NETWORK:
            self._network = min(p.network_cap, self._network + p.network_step)
            return self._network
        start = p.rate_limit_start if failure is StreamFailure.RATE_LIMIT else p.http_start
        self._http = start if self._http < start else min(p.http_cap, self._http * 2)
        return self._http
