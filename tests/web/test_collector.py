"""The web process collects cycles less often than Python's default (reports' long reads)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from atdesk.config import Settings
from atdesk.web.app import create_app
from atdesk.web.collector import THRESHOLDS


@pytest.fixture
def default_collector() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_collector")
def test_the_app_raises_the_collector_thresholds_and_never_lowers_them(settings: Settings) -> None:
    create_app(settings)
    assert gc.get_threshold() == THRESHOLDS
    gc.set_threshold(200_000, 50, 200)
    create_app(settings)
    assert gc.get_threshold() == (200_000, 50, 200), "a higher setting is kept"
