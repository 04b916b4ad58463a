"""The bus between the channels and the pipeline: an interface with embedded and Redis backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

INBOUND = "inbound"
CASE_EVENTS = "case-events"

Handler = Callable[[Session, list[dict[str, Any]]], None]


class Bus(Protocol):
    """Publish inside the caller's transaction; consume one batch per call in its own transaction.

    Delivery is at-least-once: a handler that fails or a process that dies leaves the
    messages to be delivered again, so handlers must be idempotent (the pipeline is).
    """

    def publish(self, session: Session, topic: str, payloads: Sequence[dict[str, Any]]) -> None:
        """Queue messages; they become visible only when the session commits."""
        ...

    def consume(self, topic: str, handler: Handler, *, batch_size: int = 500) -> int:
        """Handle up to batch_size messages; return how many were handled (0: none waiting)."""
        ...

    def pending(self, topic: str) -> int:
        """Messages not yet handled, for health checks and tests."""
        ...
