"""What the connector routes keep on the web app between requests, each made on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from atdesk.connectors.intake import Intake
from atdesk.connectors.x_accounts import XAccounts
from atdesk.pipeline.bus import Bus
from atdesk.pipeline.factory import make_bus
from atdesk.ui.deps import get_settings

T = TypeVar("T")


def _kept(request: Request, name: str, make: Callable[[], T]) -> T:
    found: T | None = getattr(request.app.state, name, None)
    if found is None:
        found = make()
        setattr(request.app.state, name, found)
    return found


def connector_bus(request: Request) -> Bus:
    """The bus the X webhook and the events API publish on."""
    return _kept(request, "connector_bus", lambda: make_bus(get_settings(request)))


def x_accounts(request: Request) -> XAccounts:
    """The X accounts and secrets deliveries are checked against (read at most once a second)."""
    return _kept(request, "x_accounts", lambda: XAccounts(get_settings(request)))


def x_intake(request: Request) -> Intake:
    """The X webhook's group commit, bounded like the events API."""
    settings = get_settings(request)
    return _kept(
        request,
        "x_intake",
        lambda: Intake(
            settings.database_url, connector_bus(request), queue_bound=settings.events_queue_bound
        ),
    )
