"""Config keys from the environment or a file: strings as given, counts checked by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from atdesk.config import EVENTS_MAX_ITEMS, EVENTS_QUEUE_BOUND, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("ATDESK_CONFIG", "ATDESK_EVENTS_MAX_ITEMS", "ATDESK_EVENTS_QUEUE_BOUND"):
        monkeypatch.delenv(key, raising=False)


def test_the_events_api_bounds_default_and_can_be_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    assert (settings.events_max_items, settings.events_queue_bound) == (
        EVENTS_MAX_ITEMS,
        EVENTS_QUEUE_BOUND,
    )
    config = tmp_path / "atdesk.yaml"
    config.write_text("events_max_items: 500\nevents_queue_bound: 1000\n", encoding="utf-8")
    monkeypatch.setenv("ATDESK_EVENTS_QUEUE_BOUND", "2500")  # the environment wins
    settings = load_settings(str(config))
    assert (settings.events_max_items, settings.events_queue_bound) == (500, 2500)


@pytest.mark.parametrize("raw", ["0", "-5", "ten", "1.5", " "])
def test_a_count_that_is_not_a_whole_number_is_refused_by_name(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATDESK_EVENTS_MAX_ITEMS", raw)
    with pytest.raises(ValueError, match="ATDESK_EVENTS_MAX_ITEMS must be a whole number"):
        load_settings()
