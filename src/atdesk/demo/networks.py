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
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.x.account import XAccount
from atdesk.config import Settings
from atdesk.domain.networks import Network
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
) -> None:
    slug = _slug(str(brand["name"]))
    mastodon = rows.get(Network.MASTODON.value)
    if mastodon is not None:
        token = f"demo-{slug}-mastodon-token"
        account_id = networks.mastodon.add_account(
            mastodon.handle, token=token, display_name=brand["name"]
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
    with transaction(settings.database_url) as session:
        for brand in brands:
            rows = _accounts(session, str(brand["name"]))
            _connect(networks, brand, rows, own_x=x is None)
            session.flush()
            for row in rows.values():
                _poll_often(session, row.id)
    written = _customers_write(settings, networks, brands)
    echo(
        f"demo networks: Mastodon at {networks.mastodon.base_url}, Bluesky at "
        f"{networks.bluesky.base_url}, X at {networks.x.base_url}; {written} new customer posts"
    )
    echo("demo networks: the workers poll them every few seconds; see Admin → Channel health")
    return networks
