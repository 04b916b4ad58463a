"""Spam and abuse flags."""

from __future__ import annotations

from atdesk.triage.abuse import is_abuse
from atdesk.triage.spam import is_spam, spam_signals


def test_promotion_with_links_is_spam() -> None:
    text = "FREE followers!! click here https://a.co/1 https://a.co/2 https://a.co/3 giveaway"
    assert is_spam(text)


def test_mass_tagging_bots_are_spam() -> None:
    text = " ".join(f"@user{i}" for i in range(25)) + " look"
    assert "mass tagging" in spam_signals(text)
    assert is_spam(text)


def test_a_long_reply_thread_is_not_spam() -> None:
    text = " ".join(f"@friend{i}" for i in range(12)) + " good morning pie makers!"
    assert spam_signals(text) == ["mass tagging"]
    assert not is_spam(text)


def test_customers_are_not_spam() -> None:
    assert not is_spam("@AmazonHelp my order #1234567 never arrived, can you check?")
    assert not is_spam("@airline use promo code? it didn't work at checkout")


def test_threats_are_abuse_whatever_the_score() -> None:
    assert is_abuse("I'll find you and hurt you", 0.1)


def test_abuse_needs_a_confident_offensive_score() -> None:
    assert is_abuse("you are all idiots", 0.95)
    assert not is_abuse("this is so annoying", 0.6)


def test_flooding_found_for_a_whole_batch_is_what_the_pattern_finds() -> None:
    import re

    from atdesk.triage.spam import flooded_rows

    texts = [
        "noooooooooo way",  # ten o's
        "nooooooooo way",  # nine
        "\n" * 12 + "line breaks do not count",
        "b" * 5 + "\n" + "b" * 5,
        "😂" * 10,
        "",
        "ends with !!!!!!!!!!",
        "\ud800" * 10,
    ]
    pattern = re.compile(r"(.)\1{9,}")
    expected = {i for i, text in enumerate(texts) if pattern.search(text)}
    assert flooded_rows(texts) == expected == {0, 4, 6, 7}
    for i, text in enumerate(texts):
        assert spam_signals(text, flooded=i in expected) == spam_signals(text)


def test_a_batch_word_search_finds_every_text_holding_the_word() -> None:
    from atdesk.triage.tokens import WordFinder

    texts = ["Call me", "nothing", "RİNG ME", "a\x00call", "", "phone phone", "recall"]
    assert WordFinder(texts).rows(["call", "ring"]) == {0, 2, 3, 6}
    assert WordFinder(texts[:3] + texts[4:]).rows(["call", "phone"]) == {0, 4, 5}
