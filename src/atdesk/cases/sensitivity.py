"""Which cases need a supervisor's eye before anything is said in public, and why."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atdesk.domain.handles import handle_key, mentions
from atdesk.triage.priority import safety_or_legal_words
from atdesk.triage.tokens import readable

DEFAULT_HIGH_REACH_FOLLOWERS = 10_000
MANUAL_PREFIX = "marked sensitive by "

# Beyond triage's danger, risk and legal words: topics a supervisor should see first.
PERSONAL_RISK_WORDS = re.compile(
    r"\b(discriminat\w*|self[- ]harm|suicid\w*|threat\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class InboundFacts:
    """What sensitivity looks at in one customer post."""

    text: str
    followers: int
    verified: bool
    intent: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a case is sensitive (empty: it is not), and whether it is an executive escalation."""

    reasons: tuple[str, ...]
    aimed_at_executive: bool


def assess(posts: Sequence[InboundFacts], brand_settings: Mapping[str, Any]) -> Verdict:
    """Executive escalations, high-reach authors, legal or safety words, and brand rules."""
    watched = {handle_key(h) for h in brand_settings.get("watched_handles", [])}
    threshold = int(brand_settings.get("high_reach_followers", DEFAULT_HIGH_REACH_FOLLOWERS))
    extra_words = [w.lower() for w in brand_settings.get("sensitive_keywords", []) if w]
    rule_intents = set(brand_settings.get("approval_intents", []))
    reasons: list[str] = []
    executive = False
    for post in posts:
        # What triage reads: this runs inside the pipeline's write transaction (ADR 78).
        text = readable(post.text)
        lowered = text.lower()
        if watched and any(m in watched for m in mentions(text)):
            executive = True
            _add(reasons, "aimed at an executive")
        if post.verified or post.followers >= threshold:
            _add(reasons, f"high-reach author ({post.followers:,} followers)")
        found = safety_or_legal_words(text) or _first(PERSONAL_RISK_WORDS, text)
        if found:
            _add(reasons, f"legal or safety words ({found.lower()})")
        for word in extra_words:
            if word in lowered:
                _add(reasons, f"brand rule: keyword '{word}'")
        if post.intent and post.intent in rule_intents:
            _add(reasons, f"brand rule: intent {post.intent}")
    return Verdict(tuple(reasons), executive)


def merged_reasons(current: Iterable[str], verdict: Verdict) -> list[str]:
    """The automatic reasons now, plus any a person set by hand (never dropped by the pipeline)."""
    manual = [r for r in current if r.startswith(MANUAL_PREFIX)]
    return [*verdict.reasons, *manual]


def _add(reasons: list[str], reason: str) -> None:
    if reason not in reasons and not any(
        r.split(" (")[0] == reason.split(" (")[0] for r in reasons
    ):
        reasons.append(reason)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None
