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
