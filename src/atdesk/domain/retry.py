"""When to try an outbound call again: exponential backoff with jitter, as a pure function.

The caller's durable job queue stores the attempt number and asks `next_retry_delay` how long
to wait; `None` means "stop retrying on your own and hand the job to a human", never "drop it".
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Exponential growth from `base_s`, capped at `cap_s`, for at most `max_attempts` tries.

    `jitter` is the share of each delay that is randomised, so that many jobs failing together
    (a city server that went down) do not all come back in the same second.
    """

    base_s: float = 30.0
    factor: float = 2.0
    cap_s: float = 3600.0
    max_attempts: int = 12
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s < self.base_s:
            raise ValueError("backoff needs 0 < base_s <= cap_s")
        if self.factor < 1:
            raise ValueError("backoff factor must be at least 1, or delays would shrink")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (the first try)")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a share of the delay between 0 and 1")


DEFAULT_POLICY = BackoffPolicy()


def ceiling_delay(attempt: int, policy: BackoffPolicy = DEFAULT_POLICY) -> float:
    """The largest wait after failed try number `attempt` (1-based), before jitter shortens it."""
    if attempt < 1:
        raise ValueError("attempts are counted from 1 (the first try)")
    # Cap the exponent too, so that very large attempt numbers cannot overflow a float.
    exponent = min(attempt - 1, 64)
    return min(policy.cap_s, policy.base_s * policy.factor**exponent)


def next_retry_delay(
    attempt: int,
    policy: BackoffPolicy = DEFAULT_POLICY,
    *,
    retry_after_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait after failed try number `attempt`, or None once every try is used up.

    A server's own Retry-After wins when it asks for longer than the schedule would wait.
    """
    if attempt >= policy.max_attempts:
        return None
    ceiling = ceiling_delay(attempt, policy)
    delay = ceiling * (1 - policy.jitter) + ceiling * policy.jitter * rand()
    if retry_after_s is not None and retry_after_s > delay:
        return float(retry_after_s)
    return delay


def schedule(policy: BackoffPolicy = DEFAULT_POLICY) -> list[float]:
    """The ceiling of every wait the policy allows, in order; for docs and admin screens."""
    return [ceiling_delay(n, policy) for n in range(1, policy.max_attempts)]


# Whole seconds as RFC 9110 writes them, and the decimals some networks send ("1.5").
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds a server asked us to wait (Retry-After as seconds or an HTTP date), if it did.

    The one reader of the header for channels and integrations alike; a date without a zone
    is read as UTC, which is what HTTP dates are.
    """
    if not value:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
