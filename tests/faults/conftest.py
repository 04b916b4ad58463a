"""Private servers for the fault tests: started once per session on their own ports, because
the tests restart them (never the shared test servers), and a migrated template database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import upgrade
from tests.conftest import REQUIRE_ENV
from tests.faults.cluster import Servers


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """Our own PostgreSQL and Redis (ports 55604/56604 unless ATDESK_FAULT_*_PORT say)."""
    found = Servers.from_env()
    if not found.start():
        found.stop()
        message = "PostgreSQL and Redis must be installed for the fault tests"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="session")
def fault_template(servers: Servers) -> str:
    """A migrated database each test copies (migrating per test would dominate its time)."""
    url = servers.new_database()
    upgrade(url)
    get_engine(url).dispose()
    get_engine.cache_clear()
    name = make_url(url).database
    assert name is not None
    return name
