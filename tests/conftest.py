"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atdesk.config import Settings


def shared_data_dir() -> Path:
    """Where ../shared/data lives; ATDESK_DATA_DIR overrides the checkout-relative default."""
    return Path(os.environ.get("ATDESK_DATA_DIR") or Settings().data_dir)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared public data; tests that need it skip with a clear message when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; set ATDESK_DATA_DIR to run this test")
    return path
