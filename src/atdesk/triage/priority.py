"""How soon a human should look at a post; every decision carries its reasons for the agent.

The rule (also in docs/triage.md and shown on the case page):
1. Start from the intent: praise and other are low; everything else is normal.
2. Safety words (fire, gas leak, injured, sparking...) make it urgent.
3. Fraud and account-takeover words (fraud, scam, stolen, hacked, unauthorised) make it urgent.
4. Outage words (outage, no power, service down) and legal words (lawyer, lawsuit, regulator)
   raise it to at least high.
5. A post aimed at a watched executive account is at least high.
6. Reach: a verified author or 10,000+ followers raises a negative post one level (to at
   most urgent) and any other post to at least normal; 100,000+ followers means at least high.
7. Spam is low, whatever else it says.
"""

from __future__ import annotations

import re

from atdesk.domain.triage import Intent, Priority, Sentiment

_SAFETY = re.compile(
    r"\b(?:(?<!kindle\s)fire(?!\s*(?:tv|stick|hd|tablet|phone|fox))|smoke|gas\s+leak|"
    r"smell\s+(?:of\s+)?gas|sparking|sparks|live\s+wires?|(?:power\s+)?lines?\s+down|injur\w*|"
    r"(?:got|was|were|is|am|are)\s+hurt|bleeding|ambulance|unsafe|danger\w*|hazard\w*|"
    r"carbon\s+monoxide|electrocut\w*|collaps\w*|emergency|trapped|explosion|exploded|"
    r"stuck\s+in\s+(?:the\s+|an?\s+)?(?:lift|elevator)|flood(?:ed|ing)?|burst\s+(?:pipe|main)|"
    r"(?:pipe|main)\s+(?:has\s+)?burst)\b",
    re.IGNORECASE,
)
_FRAUD = re.compile(
    r"\b(?:fraud\w*|scam\w*|stolen|theft|hacked|hijacked|unauthori[sz]ed|identity\s+theft|"
    r"phishing|someone\s+(?:used|logged\s+into|accessed)\s+my)\b",
    re.IGNORECASE,
)
_OUTAGE = re.compile(
    r"\b(?:outage|no\s+power|power\s+cut|blackout|no\s+service|no\s+signal|service\s+(?:is\s+)?down|"
    r"network\s+(?:is\s+)?down|(?:site|app|internet|wifi|server)s?\s+(?:is\s+|are\s+)?down)\b",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"\b(?:lawyer|attorney|solicitor|lawsuit|sue|suing|legal\s+action|small\s+claims|court|"
    r"regulator|ombudsman|fcc|ftc|bbb|trading\s+standards|class\s+action)\b",
    re.IGNORECASE,
)
_LOW_INTENTS = frozenset({Intent.PRAISE.value, Intent.OTHER.value})
REACH_FOLLOWERS = 10_000
BIG_REACH_FOLLOWERS = 100_000


def _at_least(current: Priority, floor: Priority) -> Priority:
    return floor if floor.rank > current.rank else current


def decide_priority(
    *,
    text: str,
    intent: str,
    sentiment: Sentiment,
    followers: int,
    verified: bool,
    aimed_at_executive: bool,
    spam: bool,
) -> tuple[Priority, list[str]]:
    """The priority and, in order, each reason that set or raised it."""
    if spam:
        return Priority.LOW, ["spam"]
    reasons: list[str] = []
    priority = Priority.LOW if intent in _LOW_INTENTS else Priority.NORMAL
    reasons.append(f"intent {intent}: {priority.value}")
    if _SAFETY.search(text):
        priority = Priority.URGENT
        reasons.append("safety words: urgent")
    if _FRAUD.search(text):
        priority = Priority.URGENT
        reasons.append("fraud or account-takeover words: urgent")
    if _OUTAGE.search(text) and priority.rank < Priority.HIGH.rank:
        priority = Priority.HIGH
        reasons.append("outage words: at least high")
    if _LEGAL.search(text) and priority.rank < Priority.HIGH.rank:
        priority = Priority.HIGH
        reasons.append("legal words: at least high")
    if aimed_at_executive and priority.rank < Priority.HIGH.rank:
        priority = Priority.HIGH
        reasons.append("aimed at a watched executive: at least high")
    reach = verified or followers >= REACH_FOLLOWERS
    if reach:
        who = "verified author" if verified else f"{followers:,} followers"
        if sentiment is Sentiment.NEGATIVE and priority is not Priority.URGENT:
            priority = list(Priority)[priority.rank + 1]
            reasons.append(f"{who} and negative: raised to {priority.value}")
        elif priority is Priority.LOW:
            priority = Priority.NORMAL
            reasons.append(f"{who}: at least normal")
    if followers >= BIG_REACH_FOLLOWERS and priority.rank < Priority.HIGH.rank:
        priority = Priority.HIGH
        reasons.append(f"{followers:,} followers: at least high")
    return priority, reasons
