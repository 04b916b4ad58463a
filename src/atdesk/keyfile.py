"""The signing key: configured, or generated once and kept beside the SQLite database (0600)."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import make_url

from atdesk.config import MIN_SECRET_KEY_LENGTH, MissingSecretKey, Settings
from atdesk.storage.engine import normalise_url

KEY_SUFFIX = ".secret-key"


def key_file_for(database_url: str) -> Path | None:
    """Where a generated key lives: beside a SQLite file; nowhere for a server database."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database)).resolve().with_name(Path(str(url.database)).name + KEY_SUFFIX)


def with_secret_key(settings: Settings) -> Settings:
    """Settings whose key is set: the configured one, or one generated for this SQLite database."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise MissingSecretKey(
                f"ATDESK_SECRET_KEY is {len(settings.secret_key)} characters; use at least "
                f"{MIN_SECRET_KEY_LENGTH} random ones, e.g. the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return settings
    path = key_file_for(settings.database_url)
    if path is None:
        raise MissingSecretKey(
            "no signing key: set ATDESK_SECRET_KEY (at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters, e.g. the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`); atdesk generates "
            "one by itself only for a SQLite database, beside the database file"
        )
    return replace(settings, secret_key=read_or_create_key(path))


def with_key_if_kept(settings: Settings) -> Settings:
    """For commands that may sign: the key when one is configured or can be kept, else unchanged."""
    if not settings.secret_key and key_file_for(settings.database_url) is None:
        return settings
    return with_secret_key(settings)


def read_or_create_key(path: Path) -> str:
    """The key in this file, made with owner-only permissions the first time; a race keeps one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _existing_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return _existing_key(path)


def _existing_key(path: Path) -> str:
    """Read a kept key, refusing one others can read or one too short to trust."""
    if os.stat(path).st_mode & 0o077:
        raise MissingSecretKey(
            f"{path} holds the signing key but others can read it; run `chmod 600 {path}` "
            "(or delete it to make a new key, which logs everyone out)"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise MissingSecretKey(
            f"{path} does not hold a usable signing key (empty or too short); delete it and "
            "start again to generate a new one"
        )
    return key
