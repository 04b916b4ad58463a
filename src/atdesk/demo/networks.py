"""The demo brands on emulated Mastodon and Bluesky (and X), read by the connector runtime.

`atdesk demo` starts the emulators on free ports, stores each demo brand's account state
pointing at them (fresh on every run: the emulators start empty), polls every few seconds,
and has a few customers write to each brand publicly and privately. Agents' replies then
go out through the respond stage to the emulators, and come back as the brand's own posts.
The live part of the demo (demo/live.py) already runs X for the three brands; when it does
not, X is started here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.channels.base import PageCursor
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.x.account import XAccount
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author as PostAuthor
from atdesk.domain.posts import Post as StoredPost
from atdesk.emulators.base import Emulator
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.emulators.x import XEmulator
from atdesk.models import Author, Brand, ChannelAccount, ChannelConnection, Post
from atdesk.storage.session import transaction

DEMO_POLL_S = 5.0
MASTODON_DOMAIN = "social.example"

# What customers write to each demo brand: (Mastodon mention, Mastodon DM, Bluesky mention,
# Bluesky chat message). Written once per database (matched on author and text).
TRAFFIC: Mapping[str, tuple[str, str, str, str]] = {
    "Harbor Bank": (
        "my card was declined twice at the pharmacy today, what is going on?",
        "can someone call me about my statement? it shows a fee I never agreed to",
        "the app logs me out every time I open it since the update",
        "please move my branch appointment to Friday morning",
    ),
    "Cable Co": (
        "internet down since this morning in Eastside, any outage?",
        "my technician never showed up, booking CB-2231, please call me",
        "I was charged twice for October, please refund one",
        "can someone reschedule my install to next Tuesday?",
    ),
    "City Works": (
        "o buraco na Rua das Flores continua, alguém pode ver?",
        "please call me about my water bill, it doubled this month",
        "¡Hola! La farola de la calle Olmo no funciona desde el lunes",
        "my bin was not collected on Elm St this week",
    ),
}
CUSTOMERS = {"mastodon": "dana@example.net", "bluesky": "dana.bsky.social"}


@dataclass(slots=True)
class DemoNetworkSet:
    """The emulators the demo brands' accounts point at (they stop with the process)."""

    mastodon: MastodonEmulator
    bluesky: BlueskyEmulator
    x: XEmulator
    accounts: dict[str, int] = field(default_factory=dict)

    def emulators(self) -> dict[Network, Emulator]:
        """The running servers by network."""
        return {Network.X: self.x, Network.MASTODON: self.mastodon, Network.BLUESKY: self.bluesky}

    def stop(self) -> None:
        """Stop the emulators started here (not an X emulator owned by the live demo)."""
        self.mastodon.stop()
        self.bluesky.stop()


class Seedable(Protocol):
    """An emulator that can hold posts written before it started."""

    def seed(self, post: StoredPost) -> None:
        """Keep the post with its own id, author and time, notifying nobody."""


def stored_posts(
    settings: Settings, network: Network, brand_names: Sequence[str]
) -> list[StoredPost]:
    """The demo brands' posts on one network as the database holds them, parents first.

    Private messages are left out except on Mastodon, where they are statuses that a
    private reply answers; X and Bluesky private messages need only their people.
    """
    query = (
        select(Post, Author)
        .join(Author, Author.id == Post.author_id)
        .join(Brand, Brand.id == Post.brand_id)
        .where(
            Post.network == network.value,
            Brand.name.in_(list(brand_names)),
            Post.deleted_at.is_(None),
        )
        .order_by(Post.created_at, Post.id)
    )
    if network is not Network.MASTODON:
        query = query.where(Post.direct.is_(False))
    with transaction(settings.database_url) as session:
        rows = session.execute(query).all()
        return [_as_posted(network, post, author) for post, author in rows]


def _as_posted(network: Network, post: Post, author: Author) -> StoredPost:
    """A stored row back in the shape a network's post has, for an emulator to hold."""
    coordinates = (post.lat, post.lon) if post.lat is not None and post.lon is not None else None
    return StoredPost(
        network=network,
        native_id=post.native_id,
        text=post.text,
        created_at=post.created_at,
        author=PostAuthor(
            network, author.native_id, author.handle, author.name, author.followers, author.verified
        ),
        in_reply_to=post.in_reply_to,
        direct=post.direct,
        coordinates=coordinates,
        media=tuple(post.media or ()),
        lang=post.language,
    )


def seed_stored_posts(
    settings: Settings, network: Network, emulator: Seedable, brand_names: Sequence[str]
) -> list[StoredPost]:
    """Put the demo brands' stored posts on a freshly started emulator with their own ids, so
    agents can answer the seeded cases (and a re-run's) and reach their authors privately."""
    posts = stored_posts(settings, network, brand_names)
    for post in posts:
        emulator.seed(post)
    return posts


def read_past(seeded: Sequence[StoredPost]) -> PageCursor:
    """An X mentions cursor past the seeded posts: the database holds them already, so the
    connector starts with what is new, as it would had it read them itself."""
    ids = [int(p.native_id) for p in seeded if p.native_id.isdigit()]
    return PageCursor(high_water=str(max(ids)), seeded=True) if ids else PageCursor()


def _slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _accounts(session: Session, brand_name: str) -> dict[str, ChannelAccount]:
    rows = session.scalars(
        select(ChannelAccount)
        .join(Brand, Brand.id == ChannelAccount.brand_id)
        .where(Brand.name == brand_name)
        .order_by(ChannelAccount.id)
    )
    found: dict[str, ChannelAccount] = {}
    for row in rows:
        found.setdefault(row.network, row)  # the one replies go out through
    return found


def _poll_often(session: Session, account_id: int) -> None:
    connection = session.get(ChannelConnection, account_id)
    if connection is None:
        session.add(
            ChannelConnection(
                channel_account_id=account_id,
                poll_interval_s=DEMO_POLL_S,
                stream_enabled=True,
                status="idle",
                events_read=0,
                ignored={},
                rate_limits=[],
            )
        )
    else:
        connection.poll_interval_s = DEMO_POLL_S


def _connect(
    networks: DemoNetworkSet,
    brand: Mapping[str, Any],
    rows: dict[str, ChannelAccount],
    *,
    own_x: bool,
    seeded_x: Sequence[StoredPost] = (),
) -> None:
    slug = _slug(str(brand["name"]))
    mastodon = rows.get(Network.MASTODON.value)
    if mastodon is not None:
        token = f"demo-{slug}-mastodon-token"
        account_id = networks.mastodon.add_account(
            mastodon.handle,
            token=token,
            display_name=brand["name"],
            account_id=mastodon.native_user_id or None,  # the same id as on the last run
        )
        mastodon.native_user_id = account_id
        mastodon.state = MastodonAccount(
            acct=mastodon.handle,
            account_id=account_id,
            token=token,
            base_url=networks.mastodon.base_url,
        ).to_json()
    bluesky = rows.get(Network.BLUESKY.value)
    if bluesky is not None:
        password = f"demo-{slug}-app-password"
        networks.bluesky.add_account(bluesky.handle, password=password, display_name=brand["name"])
        bluesky.state = BlueskyAccount(
            handle=bluesky.handle, app_password=password, base_url=networks.bluesky.base_url
        ).to_json()
    x = rows.get(Network.X.value)
    if x is not None and own_x and x.native_user_id:
        token = f"demo-{slug}-x-token"
        networks.x.add_account(
            x.handle, user_token=token, user_id=x.native_user_id, name=brand["name"]
        )
        x.state = XAccount(
            handle=x.handle,
            user_id=x.native_user_id,
            user_token=token,
            consumer_secret=networks.x.consumer_secret,
            base_url=networks.x.base_url,
            mentions=read_past(seeded_x),
        ).to_json()
    for row in rows.values():
        networks.accounts[f"{row.network}:{row.handle}"] = row.id


def _already_written(settings: Settings) -> set[tuple[str, str, str]]:
    with transaction(settings.database_url) as session:
        rows = session.execute(
            select(Post.network, Author.handle, Post.text).join(Author, Author.id == Post.author_id)
        ).all()
    return {(str(n), str(h), str(t)) for n, h, t in rows}


def _customers_write(
    settings: Settings, networks: DemoNetworkSet, brands: Sequence[Mapping[str, Any]]
) -> int:
    seen = _already_written(settings)
    written = 0
    for brand in brands:
        traffic = TRAFFIC.get(str(brand["name"]))
        if traffic is None:
            continue
        public, private, skeet, chat = traffic
        acct, handle = str(brand["mastodon"]), str(brand["bluesky"])
        who_m, who_b = CUSTOMERS["mastodon"], CUSTOMERS["bluesky"]
        for text, direct in ((public, False), (private, True)):
            body = f"@{acct} {text}"
            if ("mastodon", who_m, body) not in seen:
                networks.mastodon.post(who_m, body, visibility="direct" if direct else "public")
                written += 1
        body = f"@{handle} {skeet}"
        if ("bluesky", who_b, body) not in seen:
            networks.bluesky.post(who_b, body)
            written += 1
        if ("bluesky", who_b, chat) not in seen:
            networks.bluesky.message(who_b, handle, chat)
            written += 1
    return written


def _seed_own_x(settings: Settings, x: XEmulator, brand_names: list[str]) -> list[StoredPost]:
    """The brands' X users first (so the stored posts' mentions resolve), then their posts."""
    with transaction(settings.database_url) as session:
        for name in brand_names:
            row = _accounts(session, name).get(Network.X.value)
            if row is not None and row.native_user_id:
                x.add_user(row.handle, name=name, user_id=row.native_user_id)
    return seed_stored_posts(settings, Network.X, x, brand_names)


def wire_demo_networks(
    settings: Settings,
    brands: Sequence[Mapping[str, Any]],
    x: XEmulator | None,
    echo: Callable[[str], None],
) -> DemoNetworkSet:
    """Start the emulators, point the demo brands' accounts at them, and let customers write."""
    networks = DemoNetworkSet(
        mastodon=MastodonEmulator(domain=MASTODON_DOMAIN).start(),
        bluesky=BlueskyEmulator().start(),
        x=x or XEmulator().start(),
    )
    names = [str(b["name"]) for b in brands]
    seeded_x = _seed_own_x(settings, networks.x, names) if x is None else []
    with transaction(settings.database_url) as session:
        for brand in brands:
            rows = _accounts(session, str(brand["name"]))
            _connect(networks, brand, rows, own_x=x is None, seeded_x=seeded_x)
            session.flush()
            for row in rows.values():
                _poll_often(session, row.id)
    seeded = len(seeded_x)
    seeded += len(seed_stored_posts(settings, Network.MASTODON, networks.mastodon, names))
    seeded += len(seed_stored_posts(settings, Network.BLUESKY, networks.bluesky, names))
    written = _customers_write(settings, networks, brands)
    echo(
        f"demo networks: Mastodon at {networks.mastodon.base_url}, Bluesky at "
        f"{networks.bluesky.base_url}, X at {networks.x.base_url}; {seeded} stored posts put "
        f"back on them, {written} new customer posts"
    )
    echo("demo networks: the workers poll them every few seconds; see Admin → Channel health")
    return networks
