"""Everything an action needs about the post it acts on, loaded once per post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from atdesk.automations.engine.facts import PostFacts
from atdesk.automations.engine.settings import BrandConfig
from atdesk.config import Settings
from atdesk.domain.triage import Entities
from atdesk.models import Author, Brand, Case, Customer, Post
from atdesk.triage.tokens import readable


@dataclass(slots=True)
class ActionContext:
    """One inbound post, its case, author, customer record and brand settings, in a session."""

    session: Session
    settings: Settings
    brand: Brand
    config: BrandConfig
    post: Post
    case: Case
    author: Author
    now: datetime
    rule_id: int | None = None
    rule_name: str = ""
    # The post whose automated exchange this one answers (a slot pick answers the offer's post).
    follow_up_of: int | None = None
    # Staged (ADR 78): the brand's knowledge index was built before this write transaction,
    # which must not build one (NotBuilt if the articles changed meanwhile).
    prepared: bool = False

    @property
    def customer(self) -> Customer | None:
        """The customer record the author is linked to, if any."""
        return self.author.customer

    @property
    def actor(self) -> str:
        """Who the audit trail names for this automation."""
        return f"automation:{self.rule_name}"[:80] if self.rule_name else "automation"

    @property
    def entities(self) -> Entities:
        """What triage found in the post."""
        return Entities.from_json(self.post.entities)

    @property
    def first_name(self) -> str:
        """How to greet the customer in public: the first word of their display name, or
        their handle; never anything from the customer record."""
        name = (self.author.name or "").strip().split()
        return name[0] if name else f"@{self.author.handle}"

    def template_values(self) -> dict[str, Any]:
        """The only fields a public template may use (see rules.TEMPLATE_FIELDS)."""
        return {
            "first_name": self.first_name,
            "handle": f"@{self.author.handle}",
            "brand": self.brand.name,
            "case_id": self.case.id,
        }


def facts_of(post: Post, author: Author, config: BrandConfig) -> PostFacts:
    """The facts conditions read, from stored values only."""
    entities = Entities.from_json(post.entities)
    return PostFacts(
        text=readable(post.text),  # what triage read: a rule's regex never scans 10 MB
        network=post.network,
        created_at=post.created_at,
        direct=post.direct,
        intent=post.intent,
        intent_confidence=post.intent_confidence,
        sentiment=post.sentiment,
        priority=post.priority,
        language=post.language,
        author_handle=author.handle,
        followers=author.followers,
        verified=author.verified,
        customer_linked=author.customer_id is not None,
        has_location=post.lat is not None or bool(entities.locations),
        pii=post.pii,
        spam=post.spam,
        abuse=post.abuse,
        in_business_hours=config.in_business_hours(post.created_at),
        watched_handles=config.watched_handles,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one action did: done, skipped (with why), queued (a job), or handed to a person."""

    action: str
    status: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """As stored in the rule run."""
        return {"action": self.action, "status": self.status, "detail": self.detail, **self.data}
