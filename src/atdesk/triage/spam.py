"""Spam and bot noise: promotion, scams and mass-tagging, flagged (never dropped) by rules."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

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


def flooded_rows(texts: Sequence[str]) -> set[int]:
    """Rows of the texts where one character (not a line break) repeats ten times in a row.

    What _REPEAT finds, for a whole batch in a few numpy steps over its code points: texts are
    joined by line breaks, which no run can include.
    """
    if not texts:
        return set()
    joined = "\n".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    same = np.zeros(len(codes), dtype=np.int64)
    np.cumsum(codes[1:] == codes[:-1], out=same[1:])
    starts = np.flatnonzero(same[9:] - same[:-9] == 9)  # codes[i] == ... == codes[i + 9]
    starts = starts[codes[starts] != ord("\n")]
    if not starts.size:
        return set()
    ends = np.cumsum([len(text) + 1 for text in texts])
    return set(np.searchsorted(ends, starts, side="right").tolist())


def spam_signals(
    text: str, words: frozenset[str] | set[str] | None = None, flooded: bool | None = None
) -> list[str]:
    """Which spam signals a post shows; two or more make it spam.

    words (the post's tokens) and flooded (from flooded_rows) save work when the caller has
    them; the answer is the same without them.
    """
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
    if flooded is None:
        flooded = len(text) >= 10 and _REPEAT.search(text) is not None
    if flooded:
        signals.append("character flooding")
    return signals


def is_spam(
    text: str, words: frozenset[str] | set[str] | None = None, flooded: bool | None = None
) -> bool:
    """True when a post shows at least two spam signals."""
    return len(spam_signals(text, words, flooded)) >= 2
