"""Faults an emulator injects on demand, by path and method: what real networks do to us.

Tests and demos add faults through the Python API (`emulator.faults.add(...)`) or the
control endpoint `POST /_emulator/faults`; each fault applies to the next `times` matching
requests (0 = until cleared). A rate limit instead lasts until its reset time, like the
real window does.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any


class FaultKind(StrEnum):
    """The failures an emulator can produce."""

    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    SLOW = "slow"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    EXPIRED_TOKEN = "expired_token"  # noqa: S105 (a fault name)
    REVOKED_TOKEN = "revoked_token"  # noqa: S105 (a fault name)
    STREAM_STALL = "stream_stall"
    STREAM_DROP = "stream_drop"
    STREAM_DISCONNECT = "stream_disconnect"
    DUPLICATE = "duplicate"


REQUEST_FAULTS = frozenset(
    {
        FaultKind.RATE_LIMIT,
        FaultKind.SERVER_ERROR,
        FaultKind.SLOW,
        FaultKind.TIMEOUT,
        FaultKind.MALFORMED,
        FaultKind.EXPIRED_TOKEN,
        FaultKind.REVOKED_TOKEN,
    }
)
STREAM_FAULTS = frozenset(
    {FaultKind.STREAM_STALL, FaultKind.STREAM_DROP, FaultKind.STREAM_DISCONNECT}
)


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure.

    `path` is a glob on the request path (`/2/users/*/mentions`, `*` for all), `method` an
    HTTP method or `*`. `status` picks the 5xx for SERVER_ERROR; `reset_in` is how long a
    RATE_LIMIT lasts; `delay` is the pause of SLOW and TIMEOUT.
    """

    kind: FaultKind
    path: str = "*"
    method: str = "*"
    times: int = 1
    status: int = 503
    reset_in: float = 1.0
    delay: float = 2.0
    reset_at: float | None = None

    def matches(self, method: str, path: str) -> bool:
        """Does this fault apply to the request?"""
        method_ok = self.method == "*" or self.method.upper() == method.upper()
        return method_ok and fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        """For the control API."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """From the control API's JSON; unknown kinds are refused with the list of valid ones."""
        try:
            kind = FaultKind(str(data.get("kind")))
        except ValueError:
            valid = ", ".join(k.value for k in FaultKind)
            raise ValueError(
                f"unknown fault kind {data.get('kind')!r}; use one of: {valid}"
            ) from None
        allowed = {"path", "method", "times", "status", "reset_in", "delay"}
        unknown = set(data) - allowed - {"kind"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        fields: dict[str, Any] = {k: data[k] for k in allowed if k in data}
        return cls(kind=kind, **fields)


class FaultInjector:
    """Thread-safe list of active faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[tuple[Fault, int]] = []

    def add(self, kind: FaultKind | str, **options: Any) -> Fault:
        """Inject a fault; returns it as stored."""
        fault = Fault.from_json({"kind": str(kind), **options})
        with self._lock:
            self._faults.append((fault, 0))
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        """What is currently injected."""
        with self._lock:
            return [f for f, _ in self._faults]

    def take(self, method: str, path: str, kinds: Iterable[FaultKind]) -> Fault | None:
        """The first matching fault of these kinds, counted as used once."""
        wanted = frozenset(kinds)
        now = time.time()
        with self._lock:
            for index, (fault, hits) in enumerate(self._faults):
                if fault.kind not in wanted or not fault.matches(method, path):
                    continue
                if fault.kind is FaultKind.RATE_LIMIT:
                    if fault.reset_at is None:
                        fault = replace(fault, reset_at=float(math.ceil(now + fault.reset_in)))
                        self._faults[index] = (fault, hits + 1)
                        return fault
                    if now >= fault.reset_at:
                        del self._faults[index]
                        return None
                    self._faults[index] = (fault, hits + 1)
                    return fault
                hits += 1
                if fault.times and hits >= fault.times:
                    del self._faults[index]
                else:
                    self._faults[index] = (fault, hits)
                return fault
        return None
