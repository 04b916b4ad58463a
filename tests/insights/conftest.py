"""Fixtures for the insights tests: one HTTP pool for the job runner, passwords hashed once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from atdesk.worker import wire
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One connection pool for the session (the job runner needs one)."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture(autouse=True)
def wired() -> None:
    """The live path's hooks, as every process that handles posts has them."""
    wire()
