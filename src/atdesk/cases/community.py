"""Peer-to-peer help: another customer's reply that answers the customer's question.

A small scorer whose every point has a reason an agent can read. A reply counts when it
answers a post of the case's customer that asks something, comes from someone else (not the
customer, not the brand), reads like an answer (instructions, a link, steps, what worked for
them) and is not a question or a complaint of its own; the customer thanking them adds weight.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from atdesk.domain.handles import handle_key, mentions
from atdesk.triage.tokens import readable

# Recognised at this many points, with at least one sign in the reply itself (ADR 89).
RECOGNISED_AT = 2
POINTS = {"instructions": 2, "link": 1, "steps": 1, "experience": 1, "thanked": 2}

_ASKS = re.compile(
    r"\b(?:how\s+(?:do|can|to|does|should)|anyone\s+know|does\s+anyone|is\s+there\s+(?:a|any)\s+way|"
    r"where\s+(?:can|do|is)|what(?:'s|\s+is)\s+the\s+(?:best\s+)?way|can\s+i|help\s+me)\b",
    re.IGNORECASE,
)
_INSTRUCTIONS = re.compile(
    r"(?<!\bif\s)\b(?:you\s+(?:can|could|need\s+to|have\s+to|should|just)|try|go\s+to|head\s+to|"
    r"settings|click|tap|select|turn\s+(?:it\s+)?(?:off|on)|restart\w*|reboot\w*|reset\w*|"
    r"log\s+out|sign\s+out|clear\s+(?:the\s+|your\s+)?cache|uninstall\w*|reinstall\w*|"
    r"update\s+(?:the|your)\s+app|hold\s+(?:down\s+)?the|unplug\w*)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


class _Finder(Protocol):
    """Anything with a regular expression's `search`."""

    def search(self, text: str, /) -> re.Match[str] | None:
        """The first match in the text, or None."""


@dataclass(frozen=True, slots=True)
class _FollowedBy:
    """`first` with `then` somewhere after it, found in linear time (a `.+` between the two
    backtracks quadratically on long posts, inside the pipeline's write transaction)."""

    first: re.Pattern[str]
    then: re.Pattern[str]

    def search(self, text: str, /) -> re.Match[str] | None:
        """The match of `first` when `then` follows it."""
        found = self.first.search(text)
        return found if found is not None and self.then.search(text, found.end()) else None


@dataclass(frozen=True, slots=True)
class _Either:
    """The first of several finders that finds something."""

    finders: tuple[_Finder, ...]

    def search(self, text: str, /) -> re.Match[str] | None:
        """The first finder's match, in the order given."""
        for finder in self.finders:
            if (found := finder.search(text)) is not None:
                return found
        return None


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_STEPS = _Either(
    (
        _words(r"(?:^|\s)(?:[1-9][.)]\s|step\s+[1-9])"),
        _FollowedBy(_words(r"\bfirst\b"), _words(r"\bthen\b")),
    )
)
_EXPERIENCE = _Either(
    (
        _words(r"\b(?:worked\s+for\s+me|fixed\s+it\s+for\s+me|what\s+worked|that'?s\s+how\s+i)\b"),
        _FollowedBy(_words(r"\bsame\s+thing\s+happened\b"), _words(r"\b(?:fixed|solved|sorted)\b")),
    )
)
# A reply opening like this asks something back, with or without its question mark.
_QUESTION_OPENING = _words(
    r"(?:when|why|what|where|who)\s+(?:are|is|will|do|does|did|can|would)\s+(?:you|they|we)\b|"
    r"(?:are|did|do|have|has|can|could|will|would)\s+(?:you|they|anyone)\b|"
    r"why\s+(?:don'?t|not|won'?t)\b|is\s+(?:it|there|this)\b"
)
_LEAD_INS = frozenset({"but", "and", "so", "hi", "hey", "ok", "okay", "well", "um", "hmm"})
_COMPLAINT = re.compile(
    r"\b(?:same\s+here|me\s+too|same\s+(?:problem|issue)|(?:i'?m\s+)?also\s+having|"
    r"i\s+have\s+the\s+same|still\s+(?:waiting|broken)|worst|useless|ridiculous)\b",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"\b(?:thanks?|thank\s+you|thx|ty|that\s+worked|it\s+worked|worked!|fixed|sorted|"
    r"legend|life\s*saver|you'?re\s+a\s+star)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ThreadPost:
    """One post of a case's conversation as the scorer sees it."""

    id: int
    native_id: str
    author_id: int
    handle: str
    text: str
    in_reply_to: str | None
    inbound: bool
    filtered: bool
    intent: str | None
    sentiment: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a reply answers, its points and the reasons for them (or why it does not)."""

    recognised: bool
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CommunityAnswer:
    """A recognised community answer in a case's conversation."""

    post_id: int
    question_post_id: int
    author_id: int
    score: int
    reasons: tuple[str, ...]
    thanked: bool


def asks(text: str, intent: str | None) -> bool:
    """Whether a customer's post asks something another person could answer."""
    return "?" in text or intent == "question" or _ASKS.search(text) is not None


def judge_reply(text: str, *, intent: str | None, sentiment: str | None, thanked: bool) -> Verdict:
    """Score one reply to a question; a question or complaint of its own never counts."""
    body = readable(text)
    reasons: list[str] = []
    score = 0
    content = False
    checks: tuple[tuple[str, _Finder, str], ...] = (
        ("instructions", _INSTRUCTIONS, "instructions"),
        ("link", _LINK, "a link"),
        ("steps", _STEPS, "steps"),
        ("experience", _EXPERIENCE, "what worked for them"),
    )
    for kind, pattern, label in checks:
        found = pattern.search(body)
        if found is not None:
            content = True
            score += POINTS[kind]
            word = found.group(0).strip()
            reasons.append(label if kind == "link" else f"{label} ('{word.lower()[:40]}')")
    # "Did you try X?" is a question back, even with a link; numbered steps make it an answer.
    if _asks_back(body) and not _STEPS.search(body):
        return Verdict(False, 0, ("asks a question itself",))
    complaint = _COMPLAINT.search(body)
    if complaint is not None or intent == "complaint":
        said = f" ('{complaint.group(0).lower()}')" if complaint else ""
        return Verdict(False, 0, (f"a complaint of their own{said}",))
    if sentiment == "negative" and not content:
        return Verdict(False, 0, ("negative, with nothing that answers",))
    if thanked:
        score += POINTS["thanked"]
        reasons.append("the customer thanked them")
    if not content:
        return Verdict(False, score, (*reasons, "nothing in it reads like an answer"))
    return Verdict(score >= RECOGNISED_AT, score, tuple(reasons))


def find_answers(posts: Sequence[ThreadPost], customer_author_id: int) -> list[CommunityAnswer]:
    """The replies by other customers that answer a question of the case's customer."""
    usable = [p for p in posts if not p.filtered]
    questions = {
        p.native_id: p
        for p in usable
        if p.inbound and p.author_id == customer_author_id and asks(p.text, p.intent)
    }
    if not questions:
        return []
    thanking = [
        p
        for p in usable
        if p.inbound and p.author_id == customer_author_id and _THANKS.search(p.text)
    ]
    found: list[CommunityAnswer] = []
    for reply in sorted(usable, key=lambda p: (p.created_at, p.id)):
        question = questions.get(reply.in_reply_to or "")
        if question is None or not reply.inbound or reply.author_id == customer_author_id:
            continue
        thanked = any(_thanks(c, reply) for c in thanking)
        verdict = judge_reply(
            reply.text, intent=reply.intent, sentiment=reply.sentiment, thanked=thanked
        )
        if verdict.recognised:
            found.append(
                CommunityAnswer(
                    post_id=reply.id,
                    question_post_id=question.id,
                    author_id=reply.author_id,
                    score=verdict.score,
                    reasons=verdict.reasons,
                    thanked=thanked,
                )
            )
    return found


def _thanks(post: ThreadPost, reply: ThreadPost) -> bool:
    """A thankful post of the customer's is for this helper: after the reply, answering it or
    naming them."""
    if post.created_at < reply.created_at:
        return False
    return post.in_reply_to == reply.native_id or handle_key(reply.handle) in mentions(post.text)


def _asks_back(text: str) -> bool:
    """Whether the reply is a question of its own: it opens like one ("when are you going
    to…", "did you…") or its last words ask."""
    opening = text.split()
    while opening and (opening[0].startswith("@") or opening[0].lower() in _LEAD_INS):
        opening.pop(0)
    if _QUESTION_OPENING.match(" ".join(opening[:4])):
        return True
    return _ends_with_question(text)


def _ends_with_question(text: str) -> bool:
    """Whether the text's last words ask: handles, links, emoji and symbols after a question
    mark do not count (a linear scan: this runs inside the pipeline's write transaction)."""
    words = text.split()
    while words and (
        words[-1].startswith("@")
        or words[-1].lower().startswith(("http://", "https://"))
        or not any(ch.isalnum() or ch == "?" for ch in words[-1])
    ):
        words.pop()
    if not words:
        return False
    last = words[-1]
    end = len(last)
    while end and not (last[end - 1].isalnum() or last[end - 1] == "?"):
        end -= 1
    return last[:end].endswith("?")
