"""Each test starts with no request or case bound, whatever ran before it in this thread (a
worker loop run directly by another test binds its batch id for the rest of the thread)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from atdesk.observability.context import CASE_ID, REQUEST_ID


@pytest.fixture(autouse=True)
def unbound_ids() -> Iterator[None]:
    request_token, case_token = REQUEST_ID.set(None), CASE_ID.set(None)
    yield
    CASE_ID.reset(case_token)
    REQUEST_ID.reset(request_token)
