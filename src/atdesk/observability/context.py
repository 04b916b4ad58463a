"""The request or job a log line belongs to, carried by context variables.

The web middleware binds a request id (X-Request-ID); the worker binds one per pipeline batch
and per job; where a case is known (a case route, a job for a case) its id is bound too. The
log filter (observability.logs) copies them onto every record.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("atdesk_request_id", default=None)
CASE_ID: ContextVar[int | None] = ContextVar("atdesk_case_id", default=None)

# An id from outside is kept only if it is short and plain: it ends up in logs and headers.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def new_id(prefix: str = "") -> str:
    """A fresh random id (32 hex digits), optionally prefixed with what it names."""
    return f"{prefix}{uuid.uuid4().hex}"


def accepted_id(value: str | None) -> str | None:
    """The caller's request id if it is safe to log and echo (else None: make a new one)."""
    if value and _ACCEPTED_ID.fullmatch(value):
        return value
    return None


def begin(prefix: str, *, case_id: int | None = None) -> str:
    """Start a unit of work in a worker (a batch, a job): later log lines in this thread or
    task carry a fresh id with this prefix, and this case or none; returns the id."""
    request_id = new_id(prefix)
    REQUEST_ID.set(request_id)
    CASE_ID.set(case_id)
    return request_id


@contextmanager
def bound(*, request_id: str | None = None, case_id: int | None = None) -> Iterator[None]:
    """Within the block, log records carry these ids (a None leaves the outer value)."""
    request_token = REQUEST_ID.set(request_id) if request_id is not None else None
    case_token = CASE_ID.set(case_id) if case_id is not None else None
    try:
        yield
    finally:
        if case_token is not None:
            CASE_ID.reset(case_token)
        if request_token is not None:
            REQUEST_ID.reset(request_token)
