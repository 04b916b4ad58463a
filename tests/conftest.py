"""Fixtures shared by every test package: shared data, and real migrated databases."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atdesk.config import Settings
from atdesk.storage.engine import get_engine, normalise_url
from atdesk.storage.migrate import upgrade
from atdesk.worker import wire

# The capabilities plug into the pipeline and outbox hooks as in every product process.
wire()

POSTGRES_ENV = "ATDESK_TEST_POSTGRES_URL"
REDIS_ENV = "ATDESK_TEST_REDIS_URL"
REQUIRE_ENV = "ATDESK_REQUIRE_SERVICES"


def shared_data_dir() -> Path:
    """Where ../shared/data lives; ATDESK_DATA_DIR overrides the checkout-relative default."""
    return Path(os.environ.get("ATDESK_DATA_DIR") or Settings().data_dir)


def _missing_service(name: str, env: str) -> None:
    """Skip (or fail in CI, where ATDESK_REQUIRE_SERVICES=1) when a real server is absent."""
    message = f"{name} not available: set {env} (scripts/test-services start prints it)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared public data; tests that need it skip with a clear message when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; set ATDESK_DATA_DIR to run this test")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test clones it, which is much faster than migrating."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        _missing_service("PostgreSQL", POSTGRES_ENV)
    assert admin_url is not None
    name = f"atdesk_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = (
        make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )
    upgrade(url)
    get_engine(url).dispose()
    get_engine.cache_clear()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_database(template: str) -> Iterator[str]:
    admin_url = os.environ[POSTGRES_ENV]
    name = f"atdesk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = (
        make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    get_engine(url).dispose()
    return path


def _sqlite_database(template: Path, tmp_path: Path) -> Iterator[str]:
    target = tmp_path / "atdesk.db"
    shutil.copyfile(template, target)
    url = f"sqlite:///{target}"
    yield url
    get_engine(url).dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database per test, on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield from _sqlite_database(sqlite_template, tmp_path)
    else:
        template = request.getfixturevalue("postgres_template")
        yield from _postgres_database(template)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh migrated SQLite database, for tests that need no second backend."""
    yield from _sqlite_database(sqlite_template, tmp_path)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test database and nothing on the network."""
    return replace(
        Settings(),
        database_url=database_url,
        secret_key="test-secret-key-0123456789",
        data_dir=str(shared_data_dir()),
    )


@pytest.fixture
def redis_url(worker_id: str) -> str:
    """A real Redis server (scripts/test-services), flushed for this test; each xdist worker
    has a database of its own, so two tests' streams never meet."""
    base = os.environ.get(REDIS_ENV)
    if not base:
        _missing_service("Redis", REDIS_ENV)
    assert base is not None
    import redis

    index = int(worker_id.removeprefix("gw")) + 1 if worker_id.startswith("gw") else 0
    url = f"{base.rsplit('/', 1)[0]}/{index}" if base.count("/") >= 3 else f"{base}/{index}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url
