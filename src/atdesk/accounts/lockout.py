"""Login lockout: failures counted per key in a window; at the limit the key locks for a while."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a key stands: tries left before it locks, or seconds until it unlocks."""

    tries_left: int
    locked_for_s: float = 0.0

    @property
    def locked(self) -> bool:
        """No attempt is allowed until `locked_for_s` has passed."""
        return self.locked_for_s > 0


@dataclass(slots=True)
class _Record:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class LockoutLimiter:
    """`limit` failures within `window_s` lock a key for `lockout_s`; a success forgets it.

    The clock is injected (monotonic seconds by default) so tests choose the time.
    """

    def __init__(
        self,
        limit: int = 5,
        window_s: float = 900.0,
        lockout_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def standing(self, key: str) -> Standing:
        """The key's standing now, without counting anything."""
        with self._lock:
            return self._standing(key, self.clock())

    def failed(self, key: str) -> Standing:
        """Count one failure and say where the key stands after it (locked at the limit)."""
        now = self.clock()
        with self._lock:
            record = self._records.setdefault(key, _Record())
            if record.locked_until > now:
                return Standing(0, record.locked_until - now)
            self._forget_old(record, now)
            record.failures.append(now)
            if len(record.failures) >= self.limit:
                record.failures.clear()
                record.locked_until = now + self.lockout_s
            return self._standing(key, now)

    def reset(self, key: str) -> None:
        """Forget the key after a successful login."""
        with self._lock:
            self._records.pop(key, None)

    def _standing(self, key: str, now: float) -> Standing:
        record = self._records.get(key)
        if record is None:
            return Standing(self.limit)
        if record.locked_until > now:
            return Standing(0, record.locked_until - now)
        self._forget_old(record, now)
        if not record.failures:
            del self._records[key]  # nothing left to remember; keeps the table small
            return Standing(self.limit)
        return Standing(self.limit - len(record.failures))

    def _forget_old(self, record: _Record, now: float) -> None:
        while record.failures and record.failures[0] <= now - self.window_s:
            record.failures.popleft()


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Two locks: one address and username together, and one address across every username.

    The pair lock never locks a person out from elsewhere (nobody can lock an account by
    guessing its password from their own machine), the address lock stops one machine
    trying many usernames.
    """

    per_login: LockoutLimiter
    per_address: LockoutLimiter

    @classmethod
    def default(cls, clock: Callable[[], float] = time.monotonic) -> LoginLimits:
        """5 wrong passwords per address and username, 30 per address, in 15 minutes."""
        return cls(
            LockoutLimiter(limit=5, window_s=900, lockout_s=900, clock=clock),
            LockoutLimiter(limit=30, window_s=900, lockout_s=900, clock=clock),
        )

    def standing(self, address: str, username: str) -> LoginStanding:
        """Whether this address may try this username now."""
        return LoginStanding(
            self.per_login.standing(_login_key(address, username)),
            self.per_address.standing(address),
        )

    def failed(self, address: str, username: str) -> LoginStanding:
        """Count a wrong username or password on both locks."""
        return LoginStanding(
            self.per_login.failed(_login_key(address, username)),
            self.per_address.failed(address),
        )

    def succeeded(self, address: str, username: str) -> None:
        """A right password clears this login's count (the address count runs its window)."""
        self.per_login.reset(_login_key(address, username))


@dataclass(frozen=True, slots=True)
class LoginStanding:
    """Both locks' standing for one attempt, read as one."""

    login: Standing
    address: Standing

    @property
    def locked(self) -> bool:
        """Either lock refuses the attempt."""
        return self.login.locked or self.address.locked

    @property
    def by_address(self) -> bool:
        """The address lock is the one that binds (its wording differs)."""
        if self.locked:
            return self.address.locked_for_s >= self.login.locked_for_s
        return self.address.tries_left < self.login.tries_left

    @property
    def locked_for_s(self) -> float:
        """Seconds until both locks let an attempt through."""
        return max(self.login.locked_for_s, self.address.locked_for_s)

    @property
    def tries_left(self) -> int:
        """Attempts left before either lock closes."""
        return min(self.login.tries_left, self.address.tries_left)


def _login_key(address: str, username: str) -> str:
    return f"{address}\n{username.strip().lower()}"
