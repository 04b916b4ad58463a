"""Small builders for test data in the project's own JSON Lines format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from atdesk.brands.service import create_brand
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import Brand
from atdesk.pipeline.runner import BatchReport, process_events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def post(
    native_id: str,
    text: str,
    *,
    author: str = "4400000001",
    handle: str = "dana",
    minutes: float = 0,
    in_reply_to: str | None = None,
    network: str = "x",
    **extra: Any,
) -> dict[str, Any]:
    """One JSON Lines post, `minutes` after T0."""
    return {
        "network": network,
        "id": native_id,
        "text": text,
        "created_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "author": {"id": author, "handle": handle},
        "in_reply_to": in_reply_to,
        **extra,
    }


def brand_reply(native_id: str, text: str, *, minutes: float, in_reply_to: str) -> dict[str, Any]:
    """A reply written by the test brand's X account."""
    return post(
        native_id,
        text,
        author="1200000000",
        handle="acmehelp",
        minutes=minutes,
        in_reply_to=in_reply_to,
    )


def make_brand(session: Session, name: str = "Acme") -> Brand:
    """The test brand, with X account @acmehelp (user id 1200000000)."""
    return create_brand(session, name, [(Network.X, "acmehelp", "1200000000")])


def run(session: Session, *payloads: dict[str, Any]) -> BatchReport:
    """Push JSON Lines payloads through the whole pipeline in this session."""
    return process_events(session, [RawEvent(source="jsonl", payload=p) for p in payloads])
