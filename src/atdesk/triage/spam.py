"""Spam and bot noise: promotion, scams and mass-tagging, flagged (never dropped) by rules."""

from __future__ import annotations

import re

_PROMO = re.compile(
    r"\b(?:giveaway|free\s+followers|follow\s+(?:back|me|4\s*follow)|f4f|click\s+(?:here|the\s+link)|"
    r"dm\s+(?:me\s+)?for|earn\s+\$?\d+|make\s+money|work\s+from\s+home|crypto|bitcoin|btc|forex|"
    r"investment\s+opportunit\w+|promo\s+code|discount\s+code|check\s+out\s+my|subscribe\s+to\s+my|"
    r"you(?:'ve|\s+have)?\s+won|claim\s+your\s+(?:prize|reward)|cash\s*app|onlyfans|"
    r"whatsapp\s*\+?\d|limited\s+offer|act\s+now|100%\s+free|buy\s+now|sugar\s+daddy)\b",
    re.IGNORECASE,
)
_PROMO_WORDS = frozenset(
    [
        "giveaway",
        "free",
        "followers",
        "follow",
        "f4f",
        "click",
        "dm",
        "earn",
        "make",
        "work",
        "crypto",
        "bitcoin",
        "btc",
        "forex",
        "investment",
        "promo",
        "discount",
        "check",
        "subscribe",
        "won",
        "claim",
        "cash",
        "cashapp",
        "onlyfans",
        "whatsapp",
        "limited",
        "act",
        "buy",
        "sugar",
    ]
)
# Tokens spam_signals looks for among the post's words (see GATE_WORDS in the other rules).
GATE_WORDS = _PROMO_WORDS
_REPEAT = re.compile(r"(.)\1{9,}")


def spam_signals(text: str, words: frozenset[str] | set[str] | None = None) -> list[str]:
    """Which spam signals a post shows; two or more make it spam."""
    signals = []
    promo = 0 if words is not None and _PROMO_WORDS.isdisjoint(words) else len(_PROMO.findall(text))
    if promo:
        signals.append("promotion words")
    if promo >= 2:
        signals.append("repeated promotion")
    if text.count("http") + text.count("www.") >= 3:
        signals.append("many links")
    mentions = text.count("@")
    if mentions >= 8:
        signals.append("mass tagging")
    if mentions >= 20:
        signals.append("bot-like mention list")
    if text.count("#") >= 6:
        signals.append("hashtag stuffing")
    if len(text) >= 10 and _REPEAT.search(text):
        signals.append("character flooding")
    return signals


def is_spam(text: str, words: frozenset[str] | set[str] | None = None) -> bool:
    """True when a post shows at least two spam signals."""
    return len(spam_signals(text, words)) >= 2
