"""Fixtures for automation tests: an HTTP pool and a recording outbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.respond.fakes import RecordingOutbox


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One connection pool for the session."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def outbox() -> RecordingOutbox:
    """Collects what would be sent, with network ids, and no network."""
    return RecordingOutbox()
