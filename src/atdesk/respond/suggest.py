"""Suggested replies: how the brand's people answered the most similar past cases.

The pool is the brand's recent answered cases (same intent first); similarity is TF-IDF
cosine over the customers' words, computed on the pool itself, so it needs no model and
stays in the brand's own voice. Automated messages are never candidates, and a reply is
offered only once it carries nothing of the customer it was written to (`reusable`): their
first name becomes `{first_name}`, filled for the customer at hand, like a macro.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from atdesk.domain.handles import handle_key
from atdesk.models import Author, Case, ChannelAccount, Customer, ReplyDraft, User
from atdesk.models import Post as PostRow
from atdesk.respond.macros import fill, variables_for
from atdesk.respond.reusable import URL, SourceCustomer, Where, reusable_reply

POOL_SIZE = 400
BATCH = 12  # past cases whose customers are read at a time; 3 suggestions rarely need more
_WORD = re.compile(r"[a-zà-ÿ0-9']{3,}")
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
    """A past reply made reusable, the case it answered and how similar that case was."""

    text: str
    source_case_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """One reply a person sent on a past case, with where and when it was written."""

    text: str
    network: str
    written_at: datetime


@dataclass(frozen=True, slots=True)
class Exchange:
    """What the customer first wrote on a past case and the answers people gave, in order."""

    asked: str
    answers: tuple[Answer, ...]


def words(text: str) -> list[str]:
    """Content words of a customer's message."""
    text = URL.sub(" ", re.sub(r"@[\w.\-]+", " ", text.lower()))
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def _pool(session: Session, case: Case, *, same_intent: bool) -> list[int]:
    query = select(Case.id).where(
        Case.brand_id == case.brand_id, Case.id != case.id, Case.outbound_count > 0
    )
    if same_intent and case.intent:
        query = query.where(Case.intent == case.intent)
    return list(session.scalars(query.order_by(Case.opened_at.desc()).limit(POOL_SIZE)))


def _by_a_person() -> ColumnElement[bool]:
    """Not an automated message: rules, the bot and surveys all send through a job (ADR 52),
    as the automation's user, so neither that user's posts nor a job's posts are a person's."""
    job_posts = select(ReplyDraft.sent_post_id).where(
        ReplyDraft.job_id.is_not(None), ReplyDraft.sent_post_id.is_not(None)
    )
    job_senders = select(ReplyDraft.author_user_id).where(ReplyDraft.job_id.is_not(None))
    return and_(
        PostRow.id.not_in(job_posts),
        or_(PostRow.sent_by_user_id.is_(None), PostRow.sent_by_user_id.not_in(job_senders)),
    )


def _exchanges(session: Session, case_ids: Sequence[int]) -> dict[int, Exchange]:
    """For each case: what the customer first wrote and the answers people gave after it."""
    asked: dict[int, str] = {}
    answered: dict[int, list[Answer]] = {}
    rows = session.execute(
        select(PostRow.case_id, PostRow.inbound, PostRow.text, PostRow.network, PostRow.created_at)
        .where(
            PostRow.case_id.in_(case_ids),
            PostRow.filtered_reason.is_(None),
            PostRow.deleted_at.is_(None),
            _by_a_person(),
        )
        .order_by(PostRow.created_at, PostRow.id)
    )
    for case_id, inbound, text, network, created_at in rows:
        if case_id is None:
            continue
        if inbound:
            asked.setdefault(case_id, text)
        elif case_id in asked:
            answered.setdefault(case_id, []).append(Answer(text, network, created_at))
    return {cid: Exchange(asked[cid], tuple(answers)) for cid, answers in answered.items()}


def source_customers(session: Session, case_ids: Sequence[int]) -> dict[int, SourceCustomer]:
    """Every name and handle of each past case's customer (their record, every network)."""
    rows = session.execute(
        select(Case.id, Case.customer_id, Author.customer_id, Author.name, Author.handle)
        .join(Author, Author.id == Case.customer_author_id)
        .where(Case.id.in_(case_ids))
    ).all()
    customer_ids = {c or a for _, c, a, _, _ in rows if c or a}
    names: dict[int, str] = {}
    handles: dict[int, list[tuple[str, str]]] = {}
    if customer_ids:
        names = dict(
            session.execute(
                select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
            ).tuples()
        )
        for customer_id, name, handle in session.execute(
            select(Author.customer_id, Author.name, Author.handle).where(
                Author.customer_id.in_(customer_ids)
            )
        ):
            handles.setdefault(customer_id or 0, []).append((name, handle))
    out = {}
    for case_id, case_customer, author_customer, name, handle in rows:
        customer_id = case_customer or author_customer or 0
        known = [(names.get(customer_id, ""), ""), (name, handle), *handles.get(customer_id, [])]
        out[case_id] = SourceCustomer.of(
            [n for n, _ in known], [h for _, h in known if h], STOPWORDS
        )
    return out


def _brand_handles(session: Session, brand_id: int) -> frozenset[str]:
    """The brand's own accounts: a reply may point the customer to them."""
    rows = session.scalars(select(ChannelAccount.handle).where(ChannelAccount.brand_id == brand_id))
    return frozenset(handle_key(h) for h in rows)


def _scored(query: Counter[str], exchanges: dict[int, Exchange]) -> list[tuple[float, int]]:
    """TF-IDF cosine of the customer's words against each past case's first message."""
    docs = {cid: Counter(words(e.asked)) for cid, e in exchanges.items()}
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
    return scored


def _first_reusable(
    case: Case, exchange: Exchange, source: SourceCustomer, brand: frozenset[str]
) -> str | None:
    """The first answer on the past case that can be reused here, made reusable."""
    for answer in exchange.answers:
        where = Where(answer.network, case.network, brand, answer.written_at)
        reply = reusable_reply(answer.text, source, where)
        if reply is not None:
            return reply
    return None


def suggest_replies(
    session: Session, case: Case, customer_text: str, *, limit: int = 3
) -> list[Suggestion]:
    """Up to `limit` reusable past replies (with `{first_name}`), most similar case first,
    never the same text twice and never one that carries its customer's data."""
    query = Counter(words(customer_text))
    if not query:
        return []
    ids = _pool(session, case, same_intent=True)
    if len(ids) < 20:
        ids = list(dict.fromkeys([*ids, *_pool(session, case, same_intent=False)]))
    exchanges = _exchanges(session, ids)
    if not exchanges:
        return []
    brand_handles = _brand_handles(session, case.brand_id)
    scored = _scored(query, exchanges)
    sources: dict[int, SourceCustomer] = {}
    out: list[Suggestion] = []
    seen: set[str] = set()
    for rank, (score, cid) in enumerate(scored):
        if cid not in sources:  # the customers of the next few candidates, in one go
            sources |= source_customers(session, [c for _, c in scored[rank : rank + BATCH]])
        reply = _first_reusable(case, exchanges[cid], sources[cid], brand_handles)
        key = " ".join((reply or "").lower().split())
        if reply is None or key in seen:
            continue
        seen.add(key)
        out.append(Suggestion(reply, cid, round(score, 3)))
        if len(out) == limit:
            break
    return out


def suggestions_for(
    session: Session, case: Case, agent: User, *, limit: int = 3
) -> list[Suggestion]:
    """What the case page and `GET /api/v1/cases/{id}/suggestions` show: the best past replies
    for what the customer said lately, filled in for this customer (their first name)."""
    said = session.scalars(
        select(PostRow.text)
        .where(PostRow.case_id == case.id, PostRow.inbound.is_(True))
        .order_by(PostRow.created_at.desc(), PostRow.id.desc())
        .limit(5)
    ).all()
    values = variables_for(case, agent)
    found = suggest_replies(session, case, " ".join(said) or case.subject, limit=limit)
    return [replace(s, text=fill(s.text, values)) for s in found]
