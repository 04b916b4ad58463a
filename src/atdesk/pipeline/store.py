"""Writing a batch: authors upserted once, posts inserted with everything the stages decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from atdesk.domain.posts import Author, Post
from atdesk.domain.triage import TriageResult
from atdesk.models import Author as AuthorRow
from atdesk.models import Post as PostRow
from atdesk.models.base import table_of, utcnow
from atdesk.pipeline.dedupe import chunked
from atdesk.storage.bulk import insert_with_ids


@dataclass(slots=True)
class Decided:
    """A new post with what the stages decided about it, ready to store."""

    post: Post
    inbound: bool
    brand_id: int | None
    brand_account_id: int | None
    filtered_reason: str | None
    conversation_id: int | None = None
    triage: TriageResult | None = None
    model_version: str | None = None
    # How the post reached the brand (domain.listening.HeardAs) and, for a post heard beyond
    # the brand's mentions, whether it is kept only as a mention (no case; ADR 88).
    heard_as: str | None = None
    listen_only: bool = False


def upsert_authors(
    session: Session, authors: Sequence[Author], brand_accounts: dict[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """Author ids by (network, native id); new handles are inserted, changed profiles refreshed."""
    latest: dict[tuple[str, str], Author] = {}
    for author in authors:
        latest[(author.network.value, author.native_id)] = author
    ids: dict[tuple[str, str], int] = {}
    by_network: dict[str, list[str]] = {}
    for network, native_id in latest:
        by_network.setdefault(network, []).append(native_id)
    for network, native_ids in by_network.items():
        for chunk in chunked(native_ids):
            for row in session.scalars(
                select(AuthorRow).where(
                    AuthorRow.network == network, AuthorRow.native_id.in_(chunk)
                )
            ):
                key = (row.network, row.native_id)
                ids[key] = row.id
                seen = latest[key]
                if seen.handle != row.handle or (seen.name and seen.name != row.name):
                    row.handle, row.name = seen.handle, seen.name or row.name
                if seen.followers and seen.followers != row.followers:
                    row.followers = seen.followers
                if seen.verified != row.verified and (seen.verified or seen.followers):
                    row.verified = seen.verified
    missing = [key for key in latest if key not in ids]
    session.flush()
    if missing:
        # One INSERT ... RETURNING for the new authors, ids in the order given (no ORM objects).
        rows = [
            {
                "network": key[0],
                "native_id": key[1],
                "handle": latest[key].handle,
                "name": latest[key].name,
                "followers": latest[key].followers,
                "verified": latest[key].verified,
                "brand_account_id": brand_accounts.get(key),
            }
            for key in missing
        ]
        new_ids = insert_with_ids(session, table_of(AuthorRow), rows)
        ids.update(zip(missing, new_ids, strict=True))
    return ids


def insert_posts(
    session: Session,
    decided: Sequence[Decided],
    author_ids: dict[tuple[str, str], int],
    source: dict[tuple[str, str], str],
) -> None:
    """Insert new posts in one executemany; the batch is already deduplicated."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for d in decided:
        post, t = d.post, d.triage
        rows.append(
            {
                "network": post.network.value,
                "native_id": post.native_id,
                "conversation_id": d.conversation_id,
                "brand_id": d.brand_id,
                "author_id": author_ids[(post.author.network.value, post.author.native_id)],
                "text": post.text,
                "created_at": post.created_at,
                "received_at": now,
                "in_reply_to": post.in_reply_to,
                "inbound": d.inbound,
                "direct": post.direct,
                "lat": post.coordinates[0] if post.coordinates else None,
                "lon": post.coordinates[1] if post.coordinates else None,
                "media": list(post.media),
                "source": source.get(post.key, ""),
                "filtered_reason": d.filtered_reason,
                "intent": t.intent if t else None,
                "intent_confidence": t.intent_confidence if t else None,
                "sentiment": t.sentiment.value if t else None,
                "language": t.language if t else post.lang,
                "spam": t.spam if t else False,
                "abuse": t.abuse if t else False,
                "pii": t.pii if t else False,
                "priority": t.priority.value if t else None,
                "entities": t.entities.to_json() if t else {},
                "triage_notes": list(t.priority_reasons) if t else [],
                "model_version": d.model_version if t else None,
                "edited_at": now if post.edited else None,
                "deleted_at": now if post.deleted else None,
                "raw": post.raw,
                "heard_as": d.heard_as,
                "listen_only": d.listen_only,
            }
        )
    if rows:
        # Core, not the ORM's bulk path: every row has every key, so it is one executemany.
        session.execute(insert(table_of(PostRow)), rows)


def apply_change(row: PostRow, post: Post) -> None:
    """An edit replaces the text (the first version stays in raw); a deletion is only marked."""
    now = utcnow()
    if post.deleted:
        row.deleted_at = now
        return
    history = list(row.raw.get("edit_history", [])) if isinstance(row.raw, dict) else []
    history.append({"text": row.text, "replaced_at": now.isoformat()})
    row.raw = {**(row.raw or {}), "edit_history": history}
    row.text = post.text
    row.edited_at = now
