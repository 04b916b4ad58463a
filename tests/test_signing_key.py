"""The signing key: never a constant, generated beside a SQLite database, refused when unsafe."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from atdesk.cli import main
from atdesk.config import MissingSecretKey, Settings
from atdesk.keyfile import key_file_for, with_secret_key
from atdesk.web.app import create_app
from tests.conftest import _postgres_database
from tests.web.conftest import seed

OLD_CONSTANT = "dev-only-secret-change-me"


def test_no_key_is_built_in() -> None:
    assert Settings().secret_key is None
    with pytest.raises(MissingSecretKey, match="ATDESK_SECRET_KEY"):
        Settings().signing_key  # noqa: B018 (the property is what refuses)


def test_a_sqlite_database_gets_its_own_key_kept_owner_only(tmp_path: Path) -> None:
    settings = replace(Settings(), database_url=f"sqlite:///{tmp_path / 'desk.db'}")
    first = with_secret_key(settings).signing_key
    path = tmp_path / "desk.db.secret-key"
    assert key_file_for(settings.database_url) == path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32 and first != OLD_CONSTANT
    assert with_secret_key(settings).signing_key == first, "kept, not regenerated"
    other = replace(settings, database_url=f"sqlite:///{tmp_path / 'other.db'}")
    assert with_secret_key(other).signing_key != first, "random per database"


def test_a_configured_key_wins_and_writes_no_file(tmp_path: Path) -> None:
    settings = replace(
        Settings(), database_url=f"sqlite:///{tmp_path / 'a.db'}", secret_key="k" * 40
    )
    assert with_secret_key(settings).signing_key == "k" * 40
    assert not (tmp_path / "a.db.secret-key").exists()


@pytest.mark.parametrize("url", ["postgresql://u@127.0.0.1/db", "sqlite://", "sqlite:///:memory:"])
def test_nowhere_to_keep_a_key_refuses_with_what_to_do(url: str) -> None:
    with pytest.raises(MissingSecretKey, match="set ATDESK_SECRET_KEY"):
        with_secret_key(replace(Settings(), database_url=url))


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MissingSecretKey, match="at least 16"):
        with_secret_key(replace(Settings(), secret_key="short"))


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = replace(Settings(), database_url=f"sqlite:///{tmp_path / 'desk.db'}")
    with_secret_key(settings)
    os.chmod(tmp_path / "desk.db.secret-key", 0o644)
    with pytest.raises(MissingSecretKey, match="chmod 600"):
        with_secret_key(settings)


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database: a server database has nowhere to keep a generated key."""
    yield from _postgres_database(postgres_template)


def test_serve_refuses_to_start_on_postgres_without_a_key(postgres_url: str) -> None:
    result = CliRunner().invoke(
        main, ["serve"], env={"ATDESK_DATABASE_URL": postgres_url, "ATDESK_SECRET_KEY": ""}
    )
    assert result.exit_code == 1
    assert "set ATDESK_SECRET_KEY" in result.output
    assert "Traceback" not in result.output


def _cookie_signed_with(secret: str, user_id: int) -> str:
    """A session cookie as Starlette's SessionMiddleware would sign it with this secret."""
    data = base64.b64encode(json.dumps({"user_id": user_id}).encode())
    return TimestampSigner(secret).sign(data).decode()


def test_a_cookie_signed_with_the_old_constant_is_not_a_session(sqlite_url: str) -> None:
    settings = with_secret_key(replace(Settings(), database_url=sqlite_url))
    seed(settings)
    app = create_app(settings)
    client = TestClient(app, follow_redirects=False)
    for user_id in range(1, 6):
        client.cookies.set("atdesk_session", _cookie_signed_with(OLD_CONSTANT, user_id))
        assert client.get("/admin/users").status_code in (302, 303, 401)
        assert client.get("/api/v1/customers").status_code == 401
