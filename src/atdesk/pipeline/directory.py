"""Who is who in a batch: which accounts are brands', which handles are watched."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.handles import handle_key, mentions
from atdesk.domain.listening import Listening, hashtags
from atdesk.domain.posts import Post
from atdesk.models import Brand, ChannelAccount
from atdesk.pipeline.blocklist import BlockList, load_block_lists


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The bits of a brand's channel account the pipeline needs."""

    account_id: int
    brand_id: int
    native_user_id: str | None


@dataclass(slots=True)
class BrandDirectory:
    """A snapshot of brands and their accounts, loaded once per batch."""

    by_handle: dict[tuple[str, str], AccountRef] = field(default_factory=dict)
    by_user_id: dict[tuple[str, str], AccountRef] = field(default_factory=dict)
    brand_names: dict[int, str] = field(default_factory=dict)
    block_lists: dict[int, BlockList] = field(default_factory=dict)
    watched_handles: frozenset[str] = frozenset()
    # Listening beyond @mentions (ADR 88): each brand's terms, executives and thread flag.
    listening: dict[int, Listening] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> BrandDirectory:
        """Read every brand and account; there are few, so one query each is cheapest."""
        directory = cls()
        watched: set[str] = set()
        for brand in session.scalars(select(Brand)):
            directory.brand_names[brand.id] = brand.name
            settings = brand.settings or {}
            watched.update(handle_key(h) for h in settings.get("watched_handles", []))
            heard = Listening.from_settings(settings)
            if heard.active:
                directory.listening[brand.id] = heard
        directory.watched_handles = frozenset(watched)
        directory.block_lists = load_block_lists(session)
        for account in session.scalars(select(ChannelAccount)):
            ref = AccountRef(account.id, account.brand_id, account.native_user_id)
            directory.by_handle[(account.network, account.handle_key)] = ref
            if account.native_user_id:
                directory.by_user_id[(account.network, account.native_user_id)] = ref
        return directory

    def account_of_author(self, post: Post) -> AccountRef | None:
        """The brand account that wrote this post, if a brand wrote it."""
        network = post.network.value
        return self.by_user_id.get((network, post.author.native_id)) or self.by_handle.get(
            (network, handle_key(post.author.handle))
        )

    def addressed_account(self, post: Post) -> AccountRef | None:
        """The brand account a customer's post is addressed to: `to`, else the first mention."""
        network = post.network.value
        if post.to_handle:
            ref = self.by_handle.get((network, handle_key(post.to_handle)))
            if ref:
                return ref
        for handle in mentions(post.text):
            ref = self.by_handle.get((network, handle))
            if ref:
                return ref
        return None

    def executive_brand(self, post: Post) -> int | None:
        """The brand whose executive this post mentions (lowest brand id when several)."""
        named = set(mentions(post.text))
        if not named & self.watched_handles:
            return None
        for brand_id in sorted(self.listening):
            if named & set(self.listening[brand_id].executives):
                return brand_id
        return None

    def term_brand(self, post: Post) -> int | None:
        """The brand whose tracked terms this post matches without an exclusion."""
        tags = hashtags(post.text)
        for brand_id in sorted(self.listening):
            if self.listening[brand_id].matched_term(post.text, tags) is not None:
                return brand_id
        return None

    def hears_threads(self, brand_id: int) -> bool:
        """True when the brand hears replies under its own public posts."""
        heard = self.listening.get(brand_id)
        return heard is not None and heard.brand_threads

    def account_of_brand(self, network: str, brand_id: int) -> AccountRef | None:
        """The brand's account on a network (the lowest id), which answers heard posts."""
        found = [
            r for (n, _), r in self.by_handle.items() if n == network and r.brand_id == brand_id
        ]
        return min(found, key=lambda r: r.account_id) if found else None

    def aimed_at_executive(self, post: Post) -> bool:
        """True when the post mentions a watched (executive) account."""
        return bool(self.watched_handles) and any(
            h in self.watched_handles for h in mentions(post.text)
        )
