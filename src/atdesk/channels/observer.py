"""Hooks through which clients report every API call (for cost) and every health problem.

The channels package has no database; the storage owner implements `ChannelObserver` to
persist spend and alerts, and the web app shows them. Nothing fails silently: every auth
failure, exhausted rate limit, failing stream and invalid webhook goes through `on_health`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from atdesk.domain.networks import Network


class Operation(StrEnum):
    """What an API call did, in the units networks bill by."""

    READ_POST = "read_post"
    DM_EVENT = "dm_event"
    CREATE_POST = "create_post"
    CREATE_POST_WITH_LINK = "create_post_with_link"
    SEND_DM = "send_dm"
    READ_NOTIFICATION = "read_notification"
    READ_USER = "read_user"
    AUTH = "auth"
    STREAM_CONNECT = "stream_connect"
    STREAM_RULES = "stream_rules"
    WEBHOOK_ADMIN = "webhook_admin"


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One HTTP call to a network; `items` are the billable units it returned or created.

    `native_ids` lists the posts or events read or created, so spend can later be
    attributed to the cases they end up in; `ref` is the caller's own reference (a case id)
    passed to a send.
    """

    network: Network
    account: str
    operation: Operation
    method: str
    endpoint: str
    status: int
    at: datetime
    items: int = 0
    native_ids: tuple[str, ...] = ()
    ref: str | None = None

    @property
    def succeeded(self) -> bool:
        """Only successful calls are billed."""
        return 200 <= self.status < 300


class HealthKind(StrEnum):
    """The channel problems an admin must see (and the all-clear)."""

    AUTH_EXPIRED = "auth_expired"
    AUTH_REVOKED = "auth_revoked"
    RATE_LIMITED = "rate_limited"
    STREAM_FAILING = "stream_failing"
    WEBHOOK_INVALID = "webhook_invalid"
    BUDGET_THROTTLED = "budget_throttled"
    RECOVERED = "recovered"


@dataclass(frozen=True, slots=True)
class HealthNotice:
    """A problem (or its end) on one account; `message` says what to do next."""

    network: Network
    account: str
    kind: HealthKind
    message: str
    at: datetime
    reset_at: datetime | None = None
    failures: int = 0


class ChannelObserver(Protocol):
    """Implemented by storage: persist spend per call and alerts per account."""

    def on_api_call(self, call: ApiCall) -> None:
        """Called after every HTTP call, successful or not."""
        ...

    def on_health(self, notice: HealthNotice) -> None:
        """Called when an account's health changes."""
        ...


class NullObserver:
    """Drops everything; the default when nobody listens."""

    def on_api_call(self, call: ApiCall) -> None:
        """Ignore the call."""

    def on_health(self, notice: HealthNotice) -> None:
        """Ignore the notice."""


class RecordingObserver:
    """Keeps everything in memory (thread-safe); for tests and for batching per transaction."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[ApiCall] = []
        self.notices: list[HealthNotice] = []

    def on_api_call(self, call: ApiCall) -> None:
        """Keep the call."""
        with self._lock:
            self.calls.append(call)

    def on_health(self, notice: HealthNotice) -> None:
        """Keep the notice."""
        with self._lock:
            self.notices.append(notice)

    def kinds(self) -> list[HealthKind]:
        """The health kinds seen so far, in order."""
        with self._lock:
            return [n.kind for n in self.notices]

    def drain(self) -> tuple[list[ApiCall], list[HealthNotice]]:
        """Take everything recorded so far (e.g. to store it in the job's transaction)."""
        with self._lock:
            calls, notices = self.calls, self.notices
            self.calls, self.notices = [], []
        return calls, notices


class FanoutObserver:
    """Sends every report to several observers (e.g. storage and a budget meter)."""

    def __init__(self, *observers: ChannelObserver) -> None:
        self._observers = observers

    def on_api_call(self, call: ApiCall) -> None:
        """Forward the call."""
        for observer in self._observers:
            observer.on_api_call(call)

    def on_health(self, notice: HealthNotice) -> None:
        """Forward the notice."""
        for observer in self._observers:
            observer.on_health(notice)
