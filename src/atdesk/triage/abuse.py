"""Abuse: harassment, hate and threats; a trained offensive-language score plus threat rules."""

from __future__ import annotations

import re

# A post this sure to be offensive (TweetEval/OffensEval-trained head) counts as abuse;
# plain swearing at a situation usually scores below it.
ABUSE_THRESHOLD = 0.8
_THREAT = re.compile(
    r"\b(?:i(?:'ll|\s+will|'m\s+gonna|\s+am\s+going\s+to)\s+(?:kill|hurt|find|shoot|stab|beat)|"
    r"kill\s+(?:you|yourself|your)|kys|bomb\s+(?:your|the)\s+\w+|burn\s+(?:your|the)\s+\w+\s+down|"
    r"you(?:'re|\s+are)\s+(?:dead|going\s+to\s+die)|watch\s+your\s+back)\b",
    re.IGNORECASE,
)


_THREAT_WORDS = frozenset(
    ["kill", "hurt", "find", "shoot", "stab", "beat", "kys", "bomb", "burn", "dead", "die", "watch"]
)

GATE_WORDS = _THREAT_WORDS


def threat_words(text: str, words: frozenset[str] | set[str] | None = None) -> bool:
    """Explicit threats of violence, which are abuse whatever the classifier says."""
    if words is not None and _THREAT_WORDS.isdisjoint(words):
        return False
    return _THREAT.search(text) is not None


def is_abuse(
    text: str, offensive_probability: float, words: frozenset[str] | set[str] | None = None
) -> bool:
    """Threats, or language the offensive head is very sure about."""
    return offensive_probability >= ABUSE_THRESHOLD or threat_words(text, words)
