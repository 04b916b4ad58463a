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
# A regex runs only when one of its words is among the post's tokens: most posts skip all four.
_SAFETY_WORDS = frozenset(
    [
        "fire",
        "smoke",
        "gas",
        "sparking",
        "sparks",
        "live",
        "line",
        "lines",
        "injured",
        "injury",
        "injuries",
        "injure",
        "hurt",
        "bleeding",
        "ambulance",
        "unsafe",
        "danger",
        "dangerous",
        "hazard",
        "hazardous",
        "carbon",
        "electrocuted",
        "electrocution",
        "collapse",
        "collapsed",
        "collapsing",
        "emergency",
        "trapped",
        "explosion",
        "exploded",
        "stuck",
        "flood",
        "flooded",
        "flooding",
        "burst",
    ]
)
_FRAUD_WORDS = frozenset(
    [
        "fraud",
        "fraudulent",
        "fraudster",
        "fraudsters",
        "scam",
        "scammed",
        "scammer",
        "scammers",
        "scams",
        "stolen",
        "theft",
        "hacked",
        "hijacked",
        "unauthorised",
        "unauthorized",
        "identity",
        "phishing",
        "someone",
    ]
)
_OUTAGE_WORDS = frozenset(
    ["outage", "outages", "power", "blackout", "service", "signal", "network", "down"]
)
_LEGAL_WORDS = frozenset(
    [
        "lawyer",
        "lawyers",
        "attorney",
        "solicitor",
        "lawsuit",
        "sue",
        "suing",
        "legal",
        "small",
        "court",
        "regulator",
        "ombudsman",
        "fcc",
        "ftc",
        "bbb",
        "trading",
        "class",
    ]
)
GATE_WORDS = _SAFETY_WORDS | _FRAUD_WORDS | _OUTAGE_WORDS | _LEGAL_WORDS
_RANK = {p: i for i, p in enumerate(Priority)}
_LOW_INTENTS = frozenset({Intent.PRAISE.value, Intent.OTHER.value})
REACH_FOLLOWERS = 10_000
BIG_REACH_FOLLOWERS = 100_000


def decide_priority(
    *,
    text: str,
    intent: str,
    sentiment: Sentiment,
    followers: int,
    verified: bool,
    aimed_at_executive: bool,
    spam: bool,
    words: frozenset[str] | set[str] | None = None,
) -> tuple[Priority, list[str]]:
    """The priority and, in order, each reason that set or raised it.

    words, the post's lower-cased tokens when the caller has them, lets most posts skip the
    phrase searches.
    """

    def says(pattern: re.Pattern[str], gate: frozenset[str]) -> bool:
        if words is not None and gate.isdisjoint(words):
            return False
        return pattern.search(text) is not None

    if spam:
        return Priority.LOW, ["spam"]
    reasons: list[str] = []
    priority = Priority.LOW if intent in _LOW_INTENTS else Priority.NORMAL
    reasons.append(f"intent {intent}: {priority.value}")
    if says(_SAFETY, _SAFETY_WORDS):
        priority = Priority.URGENT
        reasons.append("safety words: urgent")
    if says(_FRAUD, _FRAUD_WORDS):
        priority = Priority.URGENT
        reasons.append("fraud or account-takeover words: urgent")
    if _RANK[priority] < _RANK[Priority.HIGH] and says(_OUTAGE, _OUTAGE_WORDS):
        priority = Priority.HIGH
        reasons.append("outage words: at least high")
    if _RANK[priority] < _RANK[Priority.HIGH] and says(_LEGAL, _LEGAL_WORDS):
        priority = Priority.HIGH
        reasons.append("legal words: at least high")
    if aimed_at_executive and _RANK[priority] < _RANK[Priority.HIGH]:
        priority = Priority.HIGH
        reasons.append("aimed at a watched executive: at least high")
    reach = verified or followers >= REACH_FOLLOWERS
    if reach:
        who = "verified author" if verified else f"{followers:,} followers"
        if sentiment is Sentiment.NEGATIVE and priority is not Priority.URGENT:
            priority = list(Priority)[_RANK[priority] + 1]
            reasons.append(f"{who} and negative: raised to {priority.value}")
        elif priority is Priority.LOW:
            priority = Priority.NORMAL
            reasons.append(f"{who}: at least normal")
    if followers >= BIG_REACH_FOLLOWERS and _RANK[priority] < _RANK[Priority.HIGH]:
        priority = Priority.HIGH
        reasons.append(f"{followers:,} followers: at least high")
    return priority, reasons
