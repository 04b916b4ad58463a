"""Fixtures for the integration tests: a real Open311 emulator on a loopback socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from atdesk.emulators.open311 import Open311Emulator
from atdesk.integrations.open311 import Open311Client


@pytest.fixture
def open311() -> Iterator[Open311Emulator]:
    """A fresh emulated city per test, so that stored requests and faults never leak."""
    with Open311Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One connection pool for the session: building TLS contexts per test is slow."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture(params=["json", "xml"])
def city(
    request: pytest.FixtureRequest, open311: Open311Emulator, http: httpx.Client
) -> Iterator[Open311Client]:
    """A client for the emulated city, once per wire format (XML is mandatory, JSON optional)."""
    with Open311Client(
        open311.endpoint, api_key=open311.api_key, fmt=request.param, http=http
    ) as client:
        yield client
