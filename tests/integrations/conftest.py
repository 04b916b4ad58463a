"""Fixtures for the integration tests: a real Open311 emulator on a loopback socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from atdesk.emulators.open311 import Open311Emulator
from atdesk.integrations.open311 import Open311Client


@pytest.fixture
def open311() -> Iterator[Open311Emulator]:
    """A fresh emulated city per test, so that stored requests and faults never leak."""
    with Open311Emulator() as emulator:
        yield emulator


@pytest.fixture(params=["json", "xml"])
def city(request: pytest.FixtureRequest, open311: Open311Emulator) -> Iterator[Open311Client]:
    """A client for the emulated city, once per wire format (XML is mandatory, JSON optional)."""
    with Open311Client(
        open311.endpoint, api_key=open311.api_key, fmt=request.param, timeout_s=5.0
    ) as client:
        yield client
