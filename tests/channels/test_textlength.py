"""Each network's length rule, X's against the official twitter-text conformance suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text.config import config as twitter_configs

from atdesk.channels.textlength import (
    bluesky_chat_length,
    bluesky_text_length,
    has_link,
    mastodon_text_length,
    x_text_length,
)

V2 = {**twitter_configs["version2"], "emoji_parsing_enabled": False}
SECTIONS = {
    "WeightedTweetsCounterTest": V2,
    "WeightedTweetsWithDiscountedEmojiCounterTest": None,
    "UnicodeDirectionalMarkerCounterTest": None,
}


def conformance_cases(
    data_dir: Path,
) -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
    suite = yaml.safe_load((data_dir / "twitter-text-conformance/validate.yml").read_text("utf-8"))
    return [
        (section, case["description"], case, config)
        for section, config in SECTIONS.items()
        for case in suite["tests"][section]
    ]


@pytest.mark.data
def test_x_weighted_length_passes_every_conformance_case(data_dir: Path) -> None:
    cases = conformance_cases(data_dir)
    assert len(cases) == 44
    failures = []
    for section, description, case, config in cases:
        measured = x_text_length(case["text"], config)
        expected = case["expected"]
        if (measured.length, measured.valid) != (expected["weightedLength"], expected["valid"]):
            failures.append((section, description, measured, expected))
    assert failures == []


@pytest.mark.parametrize(
    ("text", "length", "valid"),
    [
        ("Thanks @CityWorks 🚧 https://example.org/a/very/long/path?x=1", 44, True),
        ("👩‍👩‍👧‍👦", 2, True),
        ("日本語テキスト", 14, True),
        ("café", 4, True),
        ("", 0, False),
        ("a" * 280, 280, True),
        ("a" * 281, 281, False),
        ("日" * 141, 282, False),
    ],
)
def test_x_examples_from_the_reference(text: str, length: int, valid: bool) -> None:
    measured = x_text_length(text)
    assert (measured.length, measured.limit, measured.valid) == (length, 280, valid)


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("@dana@example.social thanks", len("@dana thanks")),
        ("see https://example.org/" + "a" * 100, len("see ") + 23),
        ("see example.org without a scheme", len("see example.org without a scheme")),
        ("👩‍👩‍👧‍👦 🇵🇹", 3),
        ("e\u0301", 1),
    ],
)
def test_mastodon_counts_graphemes_urls_as_23_and_mentions_without_domain(
    text: str, length: int
) -> None:
    assert mastodon_text_length(text).length == length


def test_mastodon_limit_and_spoiler() -> None:
    assert mastodon_text_length("a" * 500).valid
    assert not mastodon_text_length("a" * 501).valid
    spoiler = mastodon_text_length("a" * 490, spoiler_text="b" * 11)
    assert (spoiler.length, spoiler.valid) == (501, False)
    assert mastodon_text_length("a" * 600, limit=1000).valid
    assert mastodon_text_length("a" * 501).remaining == -1


def test_bluesky_counts_graphemes_and_caps_bytes() -> None:
    assert bluesky_text_length("¡Hola @dana.bsky.social!").length == 24
    assert bluesky_text_length("é" * 300).valid
    assert not bluesky_text_length("é" * 301).valid
    families = bluesky_text_length("👩‍👩‍👧‍👦" * 120)  # 120 graphemes but 3000 bytes
    assert (families.length, families.valid) == (120, True)
    assert not bluesky_text_length("👩‍👩‍👧‍👦" * 120 + "a").valid  # 3001 bytes
    assert not bluesky_text_length("").valid
    assert bluesky_chat_length("a" * 1000).valid and not bluesky_chat_length("a" * 1001).valid


def test_links_are_detected_as_x_counts_them() -> None:
    assert has_link("see https://example.org/x") and has_link("see example.com")
    assert not has_link("see city.example or 3.14")


def test_every_rule_answers_length_limit_valid() -> None:
    for measure in (x_text_length, mastodon_text_length, bluesky_text_length):
        length, limit, valid = measure("hello")
        assert (length, valid) == (5, True) and limit in {280, 500, 300}


@pytest.mark.data
def test_x_length_of_ascii_text_equals_twitter_text_without_its_emoji_scan(
    data_dir: Path,
) -> None:
    # The ASCII path skips parse_tweet; it must count exactly as parse_tweet does, URLs
    # (with and without a scheme, t.co, IPs, trailing punctuation) and line breaks included.
    from twitter_text import parse_tweet

    from atdesk.channels.textlength import X_V3_CONFIG

    suites = [
        yaml.safe_load((data_dir / f"twitter-text-conformance/{name}").read_text("utf-8"))
        for name in ("extract.yml", "validate.yml", "autolink.yml")
    ]
    texts = [
        case["text"]
        for suite in suites
        for cases in suite["tests"].values()
        for case in cases
        if isinstance(case.get("text"), str) and case["text"].isascii()
    ]
    texts += [
        "line one\r\nline two\rthree\nfour https://example.com/x",
        "www.example.com and example.org, then http://t.co/abc." + " word" * 60,
        "#1 *2 0 keycap-looking ASCII only",
        "  ",
    ]
    assert len(texts) > 300
    mismatches = [
        text
        for text in texts
        if (x_text_length(text).length, x_text_length(text).valid)
        != (
            parse_tweet(text, X_V3_CONFIG).weightedLength,
            parse_tweet(text, X_V3_CONFIG).valid,
        )
    ]
    assert mismatches == []
