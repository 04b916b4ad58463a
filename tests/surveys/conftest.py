"""Fixtures for survey tests: one HTTP pool for the job runner."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One connection pool for the session (the job runner needs one; nothing calls out)."""
    with httpx.Client(timeout=5.0) as client:
        yield client
