"""What the noise routes share: the bus a restored post's case event goes out on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from atdesk.noise.service import CaseEventPublisher
from atdesk.pipeline.bus import CASE_EVENTS, Bus
from atdesk.pipeline.factory import make_bus


def case_event_publisher(request: Request) -> CaseEventPublisher:
    """Publish on the app's bus (made once per app), so the automate stage runs on a restored
    post exactly as on a post the pipeline routed; the event leaves with the request's commit."""
    bus: Bus | None = getattr(request.app.state, "noise_bus", None)
    if bus is None:
        bus = make_bus(request.app.state.settings)
        request.app.state.noise_bus = bus

    def publish(session: Session, events: list[dict[str, Any]]) -> None:
        bus.publish(session, CASE_EVENTS, events)

    return publish


Publisher = Annotated[CaseEventPublisher, Depends(case_event_publisher)]
