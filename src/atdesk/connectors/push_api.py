"""`POST /api/v1/events`: posts pushed in by any system, run live like `atdesk ingest --live`.

The body is read whole (capped at 16 MiB by web/bodylimits.py and at `events_max_items` posts), each
item is judged alone, and the good new posts of the viewer's brands go on the inbound bus in
the request's transaction, arriving at the request's moment (ADR 96). The workers drain it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from atdesk.accounts.deps import ApiViewer
from atdesk.config import EVENTS_MAX_ITEMS
from atdesk.connectors import push
from atdesk.connectors.app_state import connector_bus
from atdesk.connectors.push_body import read_items
from atdesk.connectors.push_schemas import EventResultOut, EventsAcceptedOut
from atdesk.domain.errors import AppError
from atdesk.observability.counters import count_refused_push, tally_pushed
from atdesk.ui.deps import DbSession, get_settings, request_now

router = APIRouter(prefix="/api/v1", tags=["events"])

_POST: dict[str, Any] = {
    "type": "object",
    "description": "A post in the JSON Lines ingest format of SPEC §5.",
    "required": ["network", "id", "text", "created_at", "author"],
    "properties": {
        "network": {"type": "string", "enum": ["x", "mastodon", "bluesky"]},
        "id": {"type": "string"},
        "text": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "author": {"type": "object", "required": ["id"]},
        "in_reply_to": {"type": ["string", "null"]},
        "to": {"type": ["string", "null"]},
        "direct": {"type": "boolean"},
        "coordinates": {"type": "array", "items": {"type": "number"}},
        "media": {"type": "array", "items": {"type": "string"}},
    },
}
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": _POST}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


async def raw_body(request: Request) -> bytes:
    """The body as sent (a JSON array or JSON Lines), read within the route's byte cap."""
    return await request.body()


def _refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    count_refused_push(status)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


@router.post(
    "/events",
    status_code=202,
    response_model=EventsAcceptedOut,
    openapi_extra=_BODY,
    responses={
        400: {"description": "The body is not a JSON array nor JSON Lines of posts."},
        403: {"description": "Every post is for brands you do not see; nothing was queued."},
        413: {
            "description": f"Over 16 MiB or over the item cap (ATDESK_EVENTS_MAX_ITEMS, "
            f"{EVENTS_MAX_ITEMS:,} unless set); split the batch."
        },
        415: {"description": "Not application/json nor application/x-ndjson."},
        429: {
            "description": "More than ATDESK_EVENTS_QUEUE_BOUND messages wait for the workers; "
            "nothing was queued (Retry-After)."
        },
    },
)
def push_events(
    request: Request,
    session: DbSession,
    viewer: ApiViewer,
    body: Annotated[bytes, Depends(raw_body)],
) -> JSONResponse:
    """Queue posts to run live, as a network connector's; 202 with a result per item."""
    settings = get_settings(request)
    try:
        items = read_items(
            body, request.headers.get("content-type"), max_items=settings.events_max_items
        )
    except AppError as exc:
        count_refused_push(exc.status)
        raise
    bus = connector_bus(request)
    try:
        push.check_backpressure(bus, settings.events_queue_bound)
    except push.QueueFull as exc:
        return _refuse(429, str(exc), {"Retry-After": str(exc.retry_after_s)})
    results = push.push_items(
        session, bus, items, brand_ids=viewer.brand_ids, now=request_now(request)
    )
    counts = dict.fromkeys((push.ACCEPTED, push.DUPLICATE, push.INVALID, push.FORBIDDEN), 0)
    for result in results:
        counts[result.status] += 1
    if results and counts[push.FORBIDDEN] == len(results):
        return _refuse(403, "every post is for brands you do not see; nothing was queued")
    tally_pushed(session, counts)
    answer = EventsAcceptedOut(
        accepted=counts[push.ACCEPTED],
        duplicates=counts[push.DUPLICATE],
        invalid=counts[push.INVALID],
        forbidden=counts[push.FORBIDDEN],
        results=[EventResultOut.model_validate(asdict(r)) for r in results],
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=202)
