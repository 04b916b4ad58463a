"""Posts heard beyond @mentions: which brand they belong to and whether they open a case.

A customer post that addresses no brand account may still be the brand's business: it
matches the brand's tracked terms (and no exclusion), mentions one of its executives, or
replies under the brand's own public post (ADR 88). Such a post is assigned to the brand
and triaged like a mention; it opens a case only when it asks for help or is high risk,
and is otherwise kept, without a case, as a mention for insights.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.listening import LISTENED, HeardAs
from atdesk.domain.posts import Post
from atdesk.domain.triage import Intent, Priority, Sentiment, TriageResult
from atdesk.models import Post as PostRow
from atdesk.pipeline.dedupe import chunked
from atdesk.pipeline.directory import BrandDirectory
from atdesk.pipeline.store import Decided
from atdesk.triage.priority import safety_words

# Intents that are not a request for help: a heard post with one of them is only a mention.
NOT_ASKING = frozenset({Intent.PRAISE.value, Intent.OTHER.value})
PRESSING = frozenset({Priority.HIGH.value, Priority.URGENT.value})
EXECUTIVE_LIFT = "aimed at a watched executive"  # triage.priority's reason for that lift


def parent_brands(
    session: Session, posts: Sequence[Post], directory: BrandDirectory
) -> dict[tuple[str, str], int]:
    """(network, post id) -> brand, for the posts a reply here may sit under.

    A parent belongs to a brand when a brand account wrote it publicly, or when it was
    itself heard as a reply under that brand's post (so a deeper reply is heard too).
    Parents in the same batch count, as do stored ones.
    """
    found: dict[tuple[str, str], int] = {}
    for post in posts:
        own = directory.account_of_author(post)
        if own is not None and not post.direct:
            found[post.key] = own.brand_id
    wanted: dict[str, set[str]] = {}
    for post in posts:
        if post.in_reply_to and (post.network.value, post.in_reply_to) not in found:
            wanted.setdefault(post.network.value, set()).add(post.in_reply_to)
    for network, ids in wanted.items():
        for chunk in chunked(sorted(ids)):
            rows = session.execute(
                select(PostRow.native_id, PostRow.brand_id, PostRow.inbound, PostRow.heard_as)
                .where(PostRow.network == network, PostRow.native_id.in_(chunk))
                .where(PostRow.direct.is_(False), PostRow.brand_id.is_not(None))
            )
            for native_id, brand_id, inbound, heard_as in rows:
                if brand_id is not None and (not inbound or heard_as == HeardAs.BRAND_THREAD.value):
                    found[(network, native_id)] = brand_id
    return found


def hear(
    post: Post, directory: BrandDirectory, parents: dict[tuple[str, str], int]
) -> tuple[HeardAs, int] | None:
    """How a customer post that addresses no brand account is the brand's, if it is."""
    if post.direct:
        return None
    brand_id = directory.executive_brand(post)
    if brand_id is not None:
        return HeardAs.EXECUTIVE, brand_id
    if post.in_reply_to:
        brand_id = parents.get((post.network.value, post.in_reply_to))
        if brand_id is not None and directory.hears_threads(brand_id):
            return HeardAs.BRAND_THREAD, brand_id
    brand_id = directory.term_brand(post)
    if brand_id is not None:
        return HeardAs.TERM, brand_id
    return None


def asks_for_help(heard_as: str | None, triage: TriageResult | None, text: str) -> bool:
    """True when a heard post must open a case: it asks for help, or it is high risk.

    Help: any intent but praise and other. High risk: high or urgent priority, safety or
    fraud words, or a negative post aimed at an executive. Mentions and DMs always open
    (their behaviour is unchanged).
    """
    if heard_as not in LISTENED:
        return True
    if triage is None:
        return False
    if triage.intent not in NOT_ASKING:
        return True
    if _pressing(triage) or safety_words(text) is not None:
        return True
    return heard_as == HeardAs.EXECUTIVE and triage.sentiment is Sentiment.NEGATIVE


def _pressing(triage: TriageResult) -> bool:
    """High or urgent for a reason of its own: triage lifts every post aimed at an executive
    to high, which alone must not turn a compliment to the CEO into a case."""
    if triage.priority.value not in PRESSING:
        return False
    lifted = any(r.startswith(EXECUTIVE_LIFT) for r in triage.priority_reasons)
    return not (lifted and triage.priority is Priority.HIGH)


def mark_listen_only(decided: Sequence[Decided]) -> None:
    """After triage: heard posts that do not ask for help are kept as mentions, not cases."""
    for d in decided:
        d.listen_only = (
            d.inbound
            and d.filtered_reason is None
            and not asks_for_help(d.heard_as, d.triage, d.post.text)
        )
