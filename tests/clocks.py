"""A monotonic clock for tests: seconds that move only when the test moves them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SecondsClock:
    """Stands in for `time.monotonic` where the code under test takes a clock."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
