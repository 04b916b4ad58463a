"""Changing block lists and restoring filtered posts; every change is audited (ADR 90)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import may_see_brand
from atdesk.audit import service as audit
from atdesk.cases.service import sync_cases
from atdesk.customers.service import attach_case_customers
from atdesk.domain.errors import AppError, Conflict, NotFound
from atdesk.domain.handles import mentions
from atdesk.domain.triage import TriageInput
from atdesk.models import BlockEntry, Brand, Post, User
from atdesk.pipeline.blocklist import (
    NOTE_MAX_CHARS,
    BlockEntryError,
    check_room,
    entry_counts,
    normalised_value,
    parse_kind,
)
from atdesk.pipeline.classify import classify
from atdesk.pipeline.directory import BrandDirectory
from atdesk.pipeline.runner import BEFORE_ROUTE
from atdesk.triage.base import Triager
from atdesk.triage.live_models import read_live_models
from atdesk.triage.service import triager_for
from atdesk.triage.versions import versions_of

# Puts a restored post's case event on the bus, so the automate stage sees it as a new post.
CaseEventPublisher = Callable[[Session, list[dict[str, Any]]], None]


def entry_json(entry: BlockEntry) -> dict[str, Any]:
    """What the audit trail keeps of an entry."""
    return {
        "brand_id": entry.brand_id,
        "kind": entry.kind,
        "value": entry.value,
        "note": entry.note,
    }


def add_block(
    session: Session,
    brand: Brand,
    *,
    kind: str,
    value: str,
    note: str = "",
    actor: User | str,
    now: datetime,
) -> BlockEntry:
    """A new entry on a brand's block list, checked (a pattern must compile, be short and fast;
    the brand's caps hold) and audited; new posts are filtered by it from the next batch."""
    chosen = parse_kind(kind)
    stored = normalised_value(chosen, value)
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise BlockEntryError(f"notes are at most {NOTE_MAX_CHARS} characters")
    existing = session.scalar(
        select(BlockEntry).where(
            BlockEntry.brand_id == brand.id,
            BlockEntry.kind == chosen.value,
            BlockEntry.value == stored,
        )
    )
    if existing is not None:
        raise Conflict(f"{brand.name} already blocks the {chosen.value} {stored!r}")
    check_room(chosen, entry_counts(session, brand.id))
    entry = BlockEntry(
        brand_id=brand.id,
        kind=chosen.value,
        value=stored,
        note=note,
        created_by=actor.username if isinstance(actor, User) else actor,
        created_by_user_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.block_added",
        actor=actor,
        after={"entry_id": entry.id, **entry_json(entry)},
    )
    return entry


def remove_block(session: Session, brand: Brand, entry_id: int, *, actor: User | str) -> None:
    """Take an entry off a brand's list, audited; posts it filtered stay filtered until restored."""
    entry = session.get(BlockEntry, entry_id)
    if entry is None or entry.brand_id != brand.id:
        raise NotFound(f"{brand.name} has no block entry {entry_id}")
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.block_removed",
        actor=actor,
        before={"entry_id": entry.id, **entry_json(entry)},
    )
    session.delete(entry)
    session.flush()


class NotRestorable(AppError):
    """A post that cannot become a case, and why."""


@dataclass(frozen=True, slots=True)
class Restored:
    """What restoring did: the post's case, whether the case is new, and whether anything
    changed at all (a second restore changes nothing)."""

    post_id: int
    case_id: int | None
    event: str | None
    changed: bool


def restorable_post(session: Session, post_id: int, brand_ids: frozenset[int] | None) -> Post:
    """A customer post of the viewer's brands, or 404 (another brand's post is not there)."""
    post = session.get(Post, post_id)
    if post is None or not post.inbound or not may_see_brand(brand_ids, post.brand_id):
        raise NotFound(f"no customer post {post_id} in your brands")
    return post


def restore_post(
    session: Session,
    post: Post,
    *,
    actor: User | str,
    triager: Triager | None = None,
    publish: CaseEventPublisher | None = None,
) -> Restored:
    """Clear a post's filter reason and route it as if it had never been filtered: triaged if
    it was not, then the normal case sync opens or updates its conversation's case; audited.
    Restoring a post that is not filtered changes nothing."""
    if post.filtered_reason is None:
        return Restored(post.id, post.case_id, None, False)
    if post.brand_id is None or post.conversation_id is None:
        raise NotRestorable(
            "the post is addressed to none of the brands, so there is no case to put it in"
        )
    reason = post.filtered_reason
    if post.intent is None:
        _triage(session, post, triager)
    post.filtered_reason = None
    session.flush()
    if post.direct:  # as the runner does: a survey answer is recorded before cases sync
        for hook in BEFORE_ROUTE:
            hook(session, [(post.network, post.native_id)])
    changes = sync_cases(
        session, [post.conversation_id], live_arrivals={post.conversation_id: post.created_at}
    )
    attach_case_customers(session, [c.case_id for c in changes])
    session.refresh(post, ["case_id"])
    event = next((c.event for c in changes if c.case_id == post.case_id), "updated")
    # On the case, so its history shows who brought the post in (the sync itself is the
    # pipeline's); on the post only if no case took it.
    on_case = post.case_id is not None
    audit.record(
        session,
        entity_type="case" if on_case else "post",
        entity_id=post.case_id if post.case_id is not None else post.id,
        action="case.post_restored" if on_case else "post.restored",
        actor=actor,
        before={"post_id": post.id, "filtered_reason": reason},
        after={"post_id": post.id, "filtered_reason": None, "case_event": event},
    )
    if publish is not None and post.case_id is not None:
        publish(session, [{"case_id": post.case_id, "event": event, "post_ids": [post.id]}])
    return Restored(post.id, post.case_id, event, True)


def _triage(session: Session, post: Post, triager: Triager | None) -> None:
    """Label a post the filter kept from triage, with the brand's live model, as the batch would."""
    directory = BrandDirectory.load(session)
    watched = directory.watched_handles
    given = TriageInput(
        text=post.text,
        created_at=post.created_at,
        author_handle=post.author.handle,
        followers=post.author.followers,
        verified=post.author.verified,
        brand=directory.brand_names.get(post.brand_id) if post.brand_id else None,
        coordinates=(post.lat, post.lon) if post.lat is not None and post.lon is not None else None,
        aimed_at_executive=bool(watched) and any(h in watched for h in mentions(post.text)),
    )
    chosen = triager or triager_for(read_live_models(session))
    (result,) = classify(chosen, [given])
    (version,) = versions_of(chosen, [given])
    post.intent = result.intent
    post.intent_confidence = result.intent_confidence
    post.sentiment = result.sentiment.value
    post.language = result.language
    post.spam = result.spam
    post.abuse = result.abuse
    post.pii = result.pii
    post.priority = result.priority.value
    post.entities = result.entities.to_json()
    post.triage_notes = list(result.priority_reasons)
    post.model_version = version
