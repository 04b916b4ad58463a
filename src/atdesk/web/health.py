"""Liveness that means something: 200 only once the database answers; readiness beside it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from atdesk.ui.deps import DbSession, get_settings
from atdesk.web.readiness import check

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: DbSession) -> JSONResponse:
    """{"status": "ok"} when the database answers, 503 otherwise."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "error", "detail": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """200 once the database answers at the newest schema and Redis (if used) answers; else
    503 naming the checks that failed."""
    result = check(get_settings(request))
    body = {
        "status": "ready" if result.ready else "not ready",
        "checks": result.checks,
        "failed": result.failed,
    }
    return JSONResponse(body, status_code=200 if result.ready else 503)
