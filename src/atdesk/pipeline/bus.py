"""The bus between the channels and the pipeline: an interface with embedded and Redis backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

INBOUND = "inbound"
CASE_EVENTS = "case-events"

Handler = Callable[[Session, list[dict[str, Any]]], None]

# A bus tries this many times to prepare a batch whose database moved on meanwhile.
PREPARE_ATTEMPTS = 3
CONFLICT_ATTEMPTS = 5  # tries of a batch that keeps meeting another consumer's rows
RACE_SQLSTATES = frozenset({"40P01", "40001"})  # PostgreSQL: deadlock, serialization failure


class Stale(Exception):
    """Raised by a prepared handler whose precomputed work no longer fits what it finds in the
    database (a brand account added meanwhile): the bus rolls back and prepares again."""


@runtime_checkable
class Staged(Protocol):
    """A handler whose slow part (models, long computation) runs before the write transaction,
    so no lock is held meanwhile (ADR 78); calling it does everything in the caller's session.
    """

    def prepare(self, database_url: str, payloads: list[dict[str, Any]]) -> Handler:
        """Read what the batch needs in a short transaction, compute with none open, and return
        the handler that stores the results (it may be given a subset of the payloads)."""
        ...

    def __call__(self, session: Session, payloads: list[dict[str, Any]]) -> None:
        """Compute and store in the caller's transaction (direct use, tests)."""
        ...


def lost_race(exc: BaseException) -> bool:
    """A unique violation, deadlock or serialization failure: another consumer stored the same
    rows first (posts of one conversation, a brand's default rules), so trying again sees them."""
    if isinstance(exc, sa_exc.IntegrityError):
        return True
    if isinstance(exc, sa_exc.OperationalError):
        return getattr(exc.orig, "sqlstate", None) in RACE_SQLSTATES
    return False


def prepared(handler: Handler, database_url: str, payloads: list[dict[str, Any]]) -> Handler:
    """The handler that stores this batch: a staged handler's results, or the handler itself."""
    if isinstance(handler, Staged):
        return handler.prepare(database_url, payloads)
    return handler


class Bus(Protocol):
    """Publish inside the caller's transaction; consume one batch per call in its own transaction.

    Delivery is at-least-once: a handler that fails or a process that dies leaves the
    messages to be delivered again, so handlers must be idempotent (the pipeline is).
    """

    def publish(self, session: Session, topic: str, payloads: Sequence[dict[str, Any]]) -> None:
        """Queue messages; they become visible only when the session commits."""
        ...

    def consume(self, topic: str, handler: Handler, *, batch_size: int = 500) -> int:
        """Handle up to batch_size messages; return how many were handled (0: none waiting).

        A `Staged` handler is prepared with no transaction open before its results are stored.
        """
        ...

    def pending(self, topic: str) -> int:
        """Messages not yet handled, for health checks and tests."""
        ...
