"""Fixtures for the respond tests."""

from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
