"""Suggested replies: how the brand's agents answered the most similar past cases.

The pool is the brand's recent answered cases (same intent first); similarity is TF-IDF
cosine over the customers' words, computed on the pool itself, so it needs no model and
stays in the brand's own voice. Leading @mentions are dropped (the channel addresses the reply).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import Case
from atdesk.models import Post as PostRow

POOL_SIZE = 400
_WORD = re.compile(r"[a-zà-ÿ0-9']{3,}")
_LEADING_MENTIONS = re.compile(r"^(\s*@[\w.\-@]+)+\s*")
_URL = re.compile(r"https?://\S+")
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "this",
        "that",
        "have",
        "has",
        "had",
        "was",
        "were",
        "are",
        "but",
        "not",
        "just",
        "from",
        "they",
        "them",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "all",
        "any",
        "our",
        "out",
        "get",
        "got",
        "been",
        "into",
        "about",
        "there",
        "their",
        "then",
        "than",
        "its",
        "it's",
        "i'm",
        "i've",
        "don't",
        "can't",
        "won't",
        "please",
        "thanks",
        "thank",
        "hello",
        "hey",
    ]
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A reply an agent gave before, for the case it answered and how similar that case was."""

    text: str
    case_id: int
    score: float


def words(text: str) -> list[str]:
    """Content words of a customer's message."""
    text = _URL.sub(" ", re.sub(r"@[\w.\-]+", " ", text.lower()))
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def _pool(session: Session, case: Case, *, same_intent: bool) -> list[int]:
    query = select(Case.id).where(
        Case.brand_id == case.brand_id, Case.id != case.id, Case.outbound_count > 0
    )
    if same_intent and case.intent:
        query = query.where(Case.intent == case.intent)
    return list(session.scalars(query.order_by(Case.opened_at.desc()).limit(POOL_SIZE)))


def _first_exchange(session: Session, case_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """For each case: what the customer first wrote and the first answer that followed."""
    asked: dict[int, str] = {}
    answered: dict[int, str] = {}
    rows = session.execute(
        select(PostRow.case_id, PostRow.inbound, PostRow.text)
        .where(PostRow.case_id.in_(case_ids), PostRow.filtered_reason.is_(None))
        .order_by(PostRow.created_at, PostRow.id)
    )
    for case_id, inbound, text in rows:
        if case_id is None:
            continue
        if inbound:
            asked.setdefault(case_id, text)
        elif case_id in asked:
            answered.setdefault(case_id, text)
    return {cid: (asked[cid], answered[cid]) for cid in answered}


def clean_reply(text: str) -> str:
    """A past reply made reusable: no leading @mentions of that other customer."""
    return _LEADING_MENTIONS.sub("", text).strip()


def suggest_replies(
    session: Session, case: Case, customer_text: str, *, limit: int = 3
) -> list[Suggestion]:
    """Up to `limit` past replies, most similar case first, never the same text twice."""
    query = Counter(words(customer_text))
    if not query:
        return []
    ids = _pool(session, case, same_intent=True)
    if len(ids) < 20:
        ids = list(dict.fromkeys([*ids, *_pool(session, case, same_intent=False)]))
    exchanges = _first_exchange(session, ids)
    if not exchanges:
        return []
    docs = {cid: Counter(words(asked)) for cid, (asked, _) in exchanges.items()}
    df: Counter[str] = Counter()
    for doc in docs.values():
        df.update(doc.keys())
    n = len(docs)

    def weight(term: str) -> float:
        return math.log((1 + n) / (1 + df[term])) + 1.0

    def norm(vec: Counter[str]) -> float:
        return math.sqrt(sum((c * weight(t)) ** 2 for t, c in vec.items())) or 1.0

    qnorm = norm(query)
    scored = []
    for cid, doc in docs.items():
        dot = sum(query[t] * doc[t] * weight(t) ** 2 for t in query.keys() & doc.keys())
        if dot > 0:
            scored.append((dot / (qnorm * norm(doc)), cid))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    out: list[Suggestion] = []
    seen: set[str] = set()
    for score, cid in scored:
        reply = clean_reply(exchanges[cid][1])
        key = " ".join(reply.lower().split())
        if len(reply) < 12 or key in seen:
            continue
        seen.add(key)
        out.append(Suggestion(reply, cid, round(score, 3)))
        if len(out) == limit:
            break
    return out
