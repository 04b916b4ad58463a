"""The composer's counter uses each network's own rule; X's passes the twitter-text conformance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from atdesk.respond.limits import measure

V3_SECTIONS = (
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)


def conformance_cases(data_dir: Path) -> list[dict[str, Any]]:
    """twitter-text's validate.yml cases that use the v3 configuration (the one X uses now)."""
    suite = yaml.safe_load(
        (data_dir / "twitter-text-conformance" / "validate.yml").read_text(encoding="utf-8")
    )
    return [case for section in V3_SECTIONS for case in suite["tests"][section]]


@pytest.mark.data
def test_x_public_counter_passes_every_v3_conformance_case(data_dir: Path) -> None:
    cases = conformance_cases(data_dir)
    assert len(cases) == 24
    for case in cases:
        measured = measure("x", case["text"], private=False)
        expected = case["expected"]
        assert (measured.length, measured.valid) == (
            expected["weightedLength"],
            expected["valid"],
        ), case["description"]
        assert measured.limit == 280


def test_each_network_counts_its_own_way() -> None:
    url = "https://example.org/a/very/long/path/that/goes/on/and/on?x=1"
    assert measure("x", f"Thanks {url}", private=False).length == 7 + 23
    assert measure("x", "日本語テキスト", private=False).length == 14
    assert measure("bluesky", "👩‍👩‍👧‍👦", private=False).length == 1, "one grapheme"
    assert measure("bluesky", "🙂" * 300, private=False).valid
    assert not measure("bluesky", "🙂" * 301, private=False).valid
    assert measure("mastodon", f"see {url}", private=False).length == 4 + 23
    addressed = measure("mastodon", "hello", private=False, recipient_handle="dana@social.example")
    assert addressed.length == len("@dana hello"), "the channel adds @acct; @domain is free"
    assert measure("x", "x" * 9000, private=True).valid, "X DMs allow 10,000 characters"
    assert not measure("x", "x" * 281, private=False).valid
