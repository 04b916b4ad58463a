"""How risky a public conversation is for the brand's reputation, as a score with its reasons.

A pure function of plain inputs (no database, no clock): the route step gathers the customer's
posts, the replies and reposts they drew and the brand's settings, and stores the result on
the case. Weights and the default threshold are ADR 89's; docs/escalations.md explains them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from atdesk.domain.handles import handle_key, mentions
from atdesk.triage.priority import legal_words, safety_words
from atdesk.triage.tokens import readable

# A case at or above its brand's threshold is high risk: the Escalations queue, and public
# replies wait for a supervisor. Brands set their own (`risk_threshold`, 1-100).
DEFAULT_RISK_THRESHOLD = 50
VELOCITY_WINDOW = timedelta(minutes=30)

WEIGHTS: Mapping[str, int] = {
    "executive": 35,
    "legal": 35,
    "safety": 35,
    "reach_million": 35,
    "reach_100k": 25,
    "reach": 15,
    "verified": 10,
    "negative": 15,
    "negative_under_brand": 15,
    "refund": 15,
    "velocity_high": 20,
    "velocity": 10,
}
VELOCITY_FAST = 5
VELOCITY_VERY_FAST = 20

REFUND_WORDS = re.compile(
    r"\b(?:refund(?:s|ed|ing)?|charge\s*backs?|money\s+back|reimburse\w*|"
    r"dispute[sd]?\s+(?:the|this|a|my)\s+(?:charge|payment|transaction)|"
    r"cancel\w*\s+my\s+(?:card|payment))\b",
    re.IGNORECASE,
)
# A post holding none of these cannot match REFUND_WORDS (a substring test, much cheaper).
REFUND_GATE = ("refund", "charge", "money", "reimburs", "disput", "cancel")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class RiskPost:
    """One customer post as the score sees it."""

    text: str
    sentiment: str | None
    followers: int
    verified: bool
    # The post answers something the brand wrote (a reply under the brand's own post).
    under_brand_post: bool = False


@dataclass(frozen=True, slots=True)
class RiskReason:
    """One thing that raised the score, worded for a supervisor, with its points."""

    text: str
    points: int


@dataclass(frozen=True, slots=True)
class Risk:
    """The score (0-100) and its reasons, heaviest first."""

    score: int
    reasons: tuple[RiskReason, ...]

    def as_json(self) -> list[dict[str, Any]]:
        """What the case stores and the API shows of the reasons."""
        return [{"reason": r.text, "points": r.points} for r in self.reasons]


NO_RISK = Risk(0, ())


def risk_threshold(settings: Mapping[str, Any]) -> int:
    """The brand's threshold, or the default when unset or unusable."""
    value = settings.get("risk_threshold")
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
        return value
    return DEFAULT_RISK_THRESHOLD


def score_risk(
    posts: Sequence[RiskPost],
    *,
    replies: Iterable[datetime] = (),
    reposts: Iterable[datetime] = (),
    now: datetime,
    watched_handles: Iterable[str] = (),
    high_reach_followers: int = 10_000,
    window: timedelta = VELOCITY_WINDOW,
) -> Risk:
    """Score the customer's posts, and the replies and reposts they drew in `window` up to `now`.

    Each kind of signal counts once (the strongest post for it), so a long thread does not
    pile up points by repeating itself.
    """
    if not posts:
        return NO_RISK
    watched = {handle_key(h) for h in watched_handles if handle_key(h)}
    found: list[RiskReason] = []

    def add(kind: str, text: str) -> None:
        found.append(RiskReason(text, WEIGHTS[kind]))

    texts = [readable(p.text) for p in posts]
    # Each post's words let the phrase searches skip the posts that hold none of theirs.
    words = [frozenset(_WORD.findall(t.lower())) for t in texts]
    executives = [m for t in texts if "@" in t for m in mentions(t) if m in watched]
    if executives:
        add("executive", f"aimed at executive @{executives[0]}")
    legal = _first_match(legal_words, texts, words)
    if legal:
        add("legal", f"legal words: '{legal.lower()}'")
    safety = _first_match(safety_words, texts, words)
    if safety:
        add("safety", f"safety words: '{safety.lower()}'")
    followers = max(p.followers for p in posts)
    if followers >= 1_000_000:
        add("reach_million", f"author has {_count(followers)} followers")
    elif followers >= 100_000:
        add("reach_100k", f"author has {_count(followers)} followers")
    elif followers >= high_reach_followers:
        add("reach", f"author has {_count(followers)} followers")
    if any(p.verified for p in posts):
        add("verified", "verified author")
    if any(p.sentiment == "negative" for p in posts):
        add("negative", "negative sentiment")
    if any(p.sentiment == "negative" and p.under_brand_post for p in posts):
        add("negative_under_brand", "negative reply under the brand's post")
    refund = _first_match(_refund_words, texts, words)
    if refund:
        add("refund", f"refund words: '{refund.lower()}'")
    velocity = _velocity(replies, reposts, now, window)
    if velocity:
        total, text = velocity
        add("velocity_high" if total >= VELOCITY_VERY_FAST else "velocity", text)
    ordered = sorted(found, key=lambda r: -r.points)
    return Risk(min(100, sum(r.points for r in ordered)), tuple(ordered))


def _refund_words(text: str, _words: frozenset[str]) -> str | None:
    lowered = text.lower()
    if not any(stem in lowered for stem in REFUND_GATE):
        return None
    found = REFUND_WORDS.search(text)
    return found.group(0) if found else None


def _first_match(
    find: Callable[[str, frozenset[str]], str | None],
    texts: Sequence[str],
    words: Sequence[frozenset[str]],
) -> str | None:
    for text, its_words in zip(texts, words, strict=True):
        found = find(text, its_words)
        if found:
            return found
    return None


def _velocity(
    replies: Iterable[datetime], reposts: Iterable[datetime], now: datetime, window: timedelta
) -> tuple[int, str] | None:
    """How many replies and reposts arrived in the window ending at `now`, worded."""
    start = now - window
    n_replies = sum(1 for at in replies if start < at <= now)
    n_reposts = sum(1 for at in reposts if start < at <= now)
    total = n_replies + n_reposts
    if total < VELOCITY_FAST:
        return None
    minutes = int(window.total_seconds() // 60)
    parts = [_plural(n_replies, "reply", "replies"), _plural(n_reposts, "repost", "reposts")]
    return total, f"{' and '.join(p for p in parts if p)} in {minutes} min"


def _plural(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"{n} {one if n == 1 else many}"


def _count(n: int) -> str:
    """120000 -> '120k', 1500000 -> '1.5M', 9500 -> '9,500'."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".removesuffix(".0") + "M"
    if n >= 10_000:
        return f"{n / 1000:.1f}".removesuffix(".0") + "k"
    return f"{n:,}"
