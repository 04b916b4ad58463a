"""`GET/POST /webhooks/x`: X's Account Activity webhook, exactly as SPEC.md §7 describes it.

No login: X proves itself with the consumer secret. GET answers the CRC challenge; POST is
verified over the raw bytes before anything is parsed or looked up, and a forged, unsigned
or unreadable delivery is refused (401/403/400) with nothing stored; so is a signed one
whose events have not X's shape (400 naming the first bad event). A verified delivery's
events go on the bus in a group commit shared with the requests arriving meanwhile
(connectors/intake.py), and the answer waits for that commit: a delivery acknowledged is
stored. When the database cannot keep up, a delivery is refused at once with 429 and
Retry-After (X delivers it again) rather than left to time out. The pipeline's (network,
native id) key makes a replayed delivery store nothing new.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from atdesk.channels.errors import WebhookRejected
from atdesk.channels.x.webhooks import (
    SIGNATURE_HEADER,
    crc_response,
    delivery_payload,
    delivery_user_id,
    read_delivery,
)
from atdesk.connectors.app_state import x_accounts, x_intake
from atdesk.connectors.intake import Busy, NotCommitted, Queued

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def _refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


@router.get("/webhooks/x")
def x_crc(request: Request, crc_token: str = "") -> JSONResponse:
    """Answer X's challenge: HMAC-SHA256 of the token keyed by the consumer secret."""
    if not crc_token:
        return _refuse(400, "crc_token is missing; X sends it as ?crc_token=...")
    secrets = x_accounts(request).fresh().secrets
    if not secrets:
        return _refuse(503, "no X consumer secret is configured; set ATDESK_X_CONSUMER_SECRET")
    return JSONResponse(crc_response(secrets[0], crc_token))


async def raw_body(request: Request) -> bytes:
    """The delivery exactly as sent: the signature covers these bytes, not a re-encoding."""
    return await request.body()


@router.post("/webhooks/x")
async def x_delivery(request: Request, body: Annotated[bytes, Depends(raw_body)]) -> JSONResponse:
    """Verify over the raw body, then publish the delivery's events on the bus.

    The checks run in a worker thread (they may read the accounts); the wait for the group
    commit holds no thread, so deliveries waiting for the database never use up the pool the
    pages and the API run in (ADR 106)."""
    checked = await run_in_threadpool(_verify_and_queue, request, body)
    if isinstance(checked, JSONResponse):
        return checked
    try:
        await checked.committed()
    except NotCommitted as exc:
        return _refuse(503, str(exc), {"Retry-After": "5"})
    return JSONResponse({"events": len(checked.events), "ignored": sum(checked.ignored.values())})


def _verify_and_queue(request: Request, body: bytes) -> JSONResponse | Queued:
    """The delivery's events handed to the group commit, or the answer that refuses it."""
    header = request.headers.get(SIGNATURE_HEADER)
    if not header:
        return _refuse(401, f"missing {SIGNATURE_HEADER} header")
    accounts = x_accounts(request)
    directory = accounts.current()
    secret = directory.secret_for(body, header)
    if secret is None:  # a secret stored since the directory was read?
        directory = accounts.fresh()
        secret = directory.secret_for(body, header)
    if secret is None:
        return _refuse(403, "signature does not match the body")
    try:
        for_user_id = delivery_user_id(delivery_payload(body))
    except WebhookRejected as exc:
        return _refuse(exc.status or 400, str(exc))
    account = directory.accounts.get(for_user_id)
    if account is None:  # an account added since the directory was read?
        account = accounts.fresh().accounts.get(for_user_id)
    if account is None:
        log.warning("X webhook delivery for unknown user %s ignored; add the account", for_user_id)
        return JSONResponse({"events": 0, "ignored": f"no brand account has user id {for_user_id}"})
    try:
        batch = read_delivery(secret, body, header, brand_handle=account.handle)
    except WebhookRejected as exc:
        return _refuse(exc.status or 400, str(exc))
    try:
        return x_intake(request).queue(account.id, batch.events, batch.ignored)
    except Busy as exc:
        return _refuse(429, f"busy: {exc}; deliver again shortly", {"Retry-After": "1"})
