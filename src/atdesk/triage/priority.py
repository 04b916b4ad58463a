"""How soon a human should look at a post; every decision carries its reasons for the agent.

The rule (also in docs/triage.md and shown on the case page):
1. Start from the intent: praise and other are low; everything else is normal.
2. Danger happening now (a fire, smoke pouring out, a gas leak or smell, sparking, live wires,
   someone injured or trapped, flooding, a burst pipe) makes it urgent. Words only count in
   the sense that means danger: "Fire TV", "fire the flight attendant" and "Arcade Fire" do
   not.
3. Fraud and account-takeover words (fraud, scam, stolen, hacked, unauthorised) make it urgent.
4. Risk words (unsafe, dangerous, a hazard, an emergency, collapsing, a threat, stealing),
   hazards in the street (a downed tree, something blocking a road, a pothole, a sinkhole),
   outage words (outage, no power, service down) and legal words (lawyer, lawsuit, regulator)
   raise it to at least high.
5. A post aimed at a watched executive account is at least high.
6. Reach: a verified author or 10,000+ followers raises a negative post one level (to at
   most urgent) and any other post to at least normal; 100,000+ followers means at least high.
7. Spam is low, whatever else it says.
"""

from __future__ import annotations

import re

from atdesk.domain.triage import Intent, Priority, Sentiment

# "fire" is danger only as a noun in a danger context; never a product, band or dismissal.
_FIRE = (
    r"(?:(?:a|the|on|caught|catch|catching|house|home|kitchen|car|van|bus|train|truck|"
    r"electrical|small|big|huge|massive|building|engine|grease|chimney|brush|forest|wild)\s+"
    r"fire(?!\s*(?:tv|stick|hd|tablet|phone|fox|sale|emblem|red|emoji|album|song|mixtape|"
    r"alarm|brigade|department|dept|station|service|truck|engine|fighter|crew|exit|door))|"
    r"fire\s+(?:hazard|risk|broke\s+out|started|spread(?:ing)?|"
    r"(?:in|at)\s+(?:the|my|our|a|an)\b(?!\s*(?:tv|stick))))"
)
_SMOKE = (
    r"smoke\s+(?:is\s+)?(?:coming|pouring|billowing|everywhere|from)|"
    r"(?:full\s+of|filled\s+with|there'?s|there\s+is)\s+smoke|"
    r"smoking\s+(?:charger|battery|outlet|socket|plug|phone|laptop|wires?|cable|meter)|"
    r"smells?\s+of\s+burning|smelling\s+of\s+burning|burning\s+smell"
)
_ACUTE = re.compile(
    rf"\b(?:{_FIRE}|{_SMOKE}|gas\s+(?:leak\w*|smell\w*|odou?r)|"
    r"(?:smell|smells|smelling|smelt|smelled)\s+(?:of\s+|like\s+)?gas|sparking|sparks|live\s+wires?|"
    r"(?:power\s+)?lines?\s+down|injured|(?:got|was|were|is|am|are)\s+hurt|bleeding|"
    r"ambulance|carbon\s+monoxide|electrocut\w*|trapped|explosion|exploded|"
    r"stuck\s+in\s+(?:the\s+|an?\s+)?(?:lift|elevator)|flooded|flooding|"
    r"burst\s+(?:pipe|main)|(?:pipe|main)\s+(?:has\s+)?burst)\b",
    re.IGNORECASE,
)
_RISK = re.compile(
    r"\b(?:unsafe|dangerous(?:ly)?|danger(?!\s+to\s+(?:myself|my\s+wallet))|"
    r"hazard(?:s|ous)?(?!\s+a\s+guess)|(?<!non\s)(?<!non-)emergency(?!\s+(?:land\w*|exits?|row))|"
    r"injury|injuries|collaps(?:e|ed|ing)|risk\s+of\s+(?:injury|death|fire)|"
    r"threat(?:s|en|ens|ened|ening)?|steal(?:s|ing)?|stole)\b",
    re.IGNORECASE,
)
_STREET_HAZARD = re.compile(
    r"\b(?:(?:downed|fallen|uprooted)\s+(?:power\s+)?(?:tree|trees|branch|branches|pole)|"
    r"trees?\s+(?:is\s+|has\s+)?(?:down|fell|fallen|came\s+down|collapsed)|"
    r"(?:blocking|blocked|blocks|obstructing)\s+(?:the\s+|a\s+|our\s+|my\s+)?(?:\w+\s+){0,2}"
    r"(?:road|roads|street|st|avenue|ave|lane|sidewalk|pavement|traffic|driveway|"
    r"intersection|junction|crossing|highway|bridge)|"
    r"potholes?|sinkholes?|manhole\s+(?:cover\s+)?(?:missing|open|gone)|"
    r"traffic\s+(?:lights?|signals?)\s+(?:is\s+|are\s+)?(?:out|down|not\s+working|broken))\b",
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
    r"\b(?:lawyers?|attorneys?|solicitors?|lawsuits?|sue|suing|legal\s+action|small\s+claims|court|"
    r"regulators?|ombudsman|fcc|ftc|bbb|trading\s+standards|class\s+action)\b",
    re.IGNORECASE,
)
# A regex runs only when one of its words is among the post's tokens: most posts skip all four.
_ACUTE_WORDS = frozenset(
    [
        "fire",
        "smoke",
        "smoking",
        "smells",
        "smell",
        "smelling",
        "burning",
        "gas",
        "smelt",
        "smelled",
        "sparking",
        "sparks",
        "live",
        "line",
        "lines",
        "injured",
        "hurt",
        "bleeding",
        "ambulance",
        "carbon",
        "electrocuted",
        "electrocution",
        "electrocute",
        "trapped",
        "explosion",
        "exploded",
        "stuck",
        "flooded",
        "flooding",
        "burst",
    ]
)
_RISK_WORDS = frozenset(
    [
        "unsafe",
        "dangerous",
        "dangerously",
        "danger",
        "hazard",
        "hazards",
        "hazardous",
        "emergency",
        "injury",
        "injuries",
        "collapse",
        "collapsed",
        "collapsing",
        "risk",
        "threat",
        "threats",
        "threaten",
        "threatens",
        "threatened",
        "threatening",
        "steal",
        "steals",
        "stealing",
        "stole",
    ]
)
_STREET_HAZARD_WORDS = frozenset(
    [
        "tree",
        "trees",
        "branch",
        "branches",
        "pole",
        "blocking",
        "blocked",
        "blocks",
        "obstructing",
        "pothole",
        "potholes",
        "sinkhole",
        "sinkholes",
        "manhole",
        "traffic",
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
        "attorneys",
        "solicitor",
        "solicitors",
        "lawsuit",
        "lawsuits",
        "sue",
        "suing",
        "legal",
        "small",
        "court",
        "regulator",
        "regulators",
        "ombudsman",
        "fcc",
        "ftc",
        "bbb",
        "trading",
        "class",
    ]
)
_RANK = {p: i for i, p in enumerate(Priority)}
_LOW_INTENTS = frozenset({Intent.PRAISE.value, Intent.OTHER.value})
REACH_FOLLOWERS = 10_000
BIG_REACH_FOLLOWERS = 100_000


# Words about danger, violence or crime (in the sense that means it) that no model may talk
# down: a post holding them is never praise, never positive, and at least high.
_SAFETY = re.compile(
    r"\b(?:threat(?:s|en|ens|ened|ening)?|steal(?:s|ing)?|stole|injur(?:y|ies|ed|ing))\b",
    re.IGNORECASE,
)
_SAFETY_WORDS = frozenset(
    [
        "threat",
        "threats",
        "threaten",
        "threatens",
        "threatened",
        "threatening",
        "steal",
        "steals",
        "stealing",
        "stole",
        "injury",
        "injuries",
        "injured",
        "injuring",
    ]
)


GATE_WORDS = (
    _ACUTE_WORDS
    | _RISK_WORDS
    | _STREET_HAZARD_WORDS
    | _FRAUD_WORDS
    | _OUTAGE_WORDS
    | _LEGAL_WORDS
    | _SAFETY_WORDS
)


def safety_words(text: str, words: frozenset[str] | set[str] | None = None) -> str | None:
    """The first danger, fraud or threat words of a post, or None.

    words, the post's lower-cased tokens when the caller has them, lets most posts skip the
    phrase searches.
    """
    found = []
    for pattern, gate in ((_ACUTE, _ACUTE_WORDS), (_FRAUD, _FRAUD_WORDS), (_SAFETY, _SAFETY_WORDS)):
        if words is not None and gate.isdisjoint(words):
            continue
        if (match := pattern.search(text)) is not None:
            found.append(match)
    return min(found, key=lambda m: m.start()).group(0) if found else None


def legal_words(text: str, words: frozenset[str] | set[str] | None = None) -> str | None:
    """The first legal-threat words of a post (lawyer, lawsuit, regulator...), or None; words
    (the post's lower-cased tokens) lets most posts skip the search."""
    if words is not None and _LEGAL_WORDS.isdisjoint(words):
        return None
    found = _LEGAL.search(text)
    return found.group(0) if found else None


def safety_or_legal_words(text: str) -> str | None:
    """The first words that make a public answer delicate: danger now, risk, or legal."""
    found = [m for p in (_ACUTE, _RISK, _LEGAL) if (m := p.search(text)) is not None]
    return min(found, key=lambda m: m.start()).group(0) if found else None


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
    if says(_ACUTE, _ACUTE_WORDS):
        priority = Priority.URGENT
        reasons.append("danger now (safety words): urgent")
    if says(_FRAUD, _FRAUD_WORDS):
        priority = Priority.URGENT
        reasons.append("fraud or account-takeover words: urgent")
    if _RANK[priority] < _RANK[Priority.HIGH] and says(_RISK, _RISK_WORDS):
        priority = Priority.HIGH
        reasons.append("risk words: at least high")
    if _RANK[priority] < _RANK[Priority.HIGH] and says(_STREET_HAZARD, _STREET_HAZARD_WORDS):
        priority = Priority.HIGH
        reasons.append("a hazard in the street: at least high")
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
