"""Fixtures for the people-side tests."""

from __future__ import annotations

import functools

import pytest

from atdesk.accounts import passwords, service


@functools.cache
def _argon2_once(password: str) -> str:
    """The real argon2id hash, computed once per password per test process."""
    return passwords.hash_password(password)


@pytest.fixture(autouse=True)
def hash_each_password_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff share one test password: hash it once, not for every user of every test."""
    monkeypatch.setattr(service, "hash_password", _argon2_once)
