"""The demo brand on all three emulated networks, so replies really go out and come back.

`atdesk emulate` runs one network; `atdesk demo` calls `start_demo_networks()` and stores
`DemoNetworks.accounts()` as the demo brand's channel accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from atdesk.channels.base import AccountState
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.x.account import XAccount
from atdesk.domain.networks import Network
from atdesk.emulators.base import Emulator
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.emulators.x import XEmulator


@dataclass(frozen=True, slots=True)
class DemoBrand:
    """The demo brand's identities and (fake) credentials on each network."""

    x_handle: str = "CityWorksHelp"
    x_user_token: str = "demo-x-user-token"  # noqa: S105 (credentials of a local emulator)
    x_app_token: str = "demo-x-app-token"  # noqa: S105
    x_consumer_secret: str = "demo-x-consumer-secret"  # noqa: S105
    mastodon_acct: str = "help"
    mastodon_token: str = "demo-mastodon-token"  # noqa: S105
    bluesky_handle: str = "cityworks.bsky.social"
    bluesky_password: str = "demo-app-password"  # noqa: S105


def seed_x(emulator: XEmulator, brand: DemoBrand) -> XAccount:
    """The brand on the X emulator, and its account state."""
    user_id = emulator.add_account(
        brand.x_handle,
        user_token=brand.x_user_token,
        app_token=brand.x_app_token,
        name="City Works",
    )
    return XAccount(
        handle=brand.x_handle,
        user_id=user_id,
        user_token=brand.x_user_token,
        app_token=brand.x_app_token,
        consumer_secret=emulator.consumer_secret,
        base_url=emulator.base_url,
    )


def seed_mastodon(emulator: MastodonEmulator, brand: DemoBrand) -> MastodonAccount:
    """The brand on the Mastodon emulator, and its account state."""
    account_id = emulator.add_account(
        brand.mastodon_acct, token=brand.mastodon_token, display_name="City Help"
    )
    return MastodonAccount(
        acct=brand.mastodon_acct,
        account_id=account_id,
        token=brand.mastodon_token,
        base_url=emulator.base_url,
    )


def seed_bluesky(emulator: BlueskyEmulator, brand: DemoBrand) -> BlueskyAccount:
    """The brand on the Bluesky emulator, and its account state (it logs in on first use)."""
    emulator.add_account(
        brand.bluesky_handle, password=brand.bluesky_password, display_name="City Works"
    )
    return BlueskyAccount(
        handle=brand.bluesky_handle,
        app_password=brand.bluesky_password,
        base_url=emulator.base_url,
    )


def seed_customer_traffic(networks: DemoNetworks) -> None:
    """A few customers writing to the brand on each network, publicly and privately."""
    brand = networks.brand
    x = networks.x
    first = x.post(
        "danar", f"@{brand.x_handle} streetlight out on Elm St again", geo=(37.7652, -122.4212)
    )
    x.post("ori_k", f"@{brand.x_handle} my bin was not collected this week #recycling")
    x.retweet("fan_account", first)
    x.dm("danar", brand.x_handle, "Hi, my ticket number is 5521, any news?")
    mastodon = networks.mastodon
    mastodon.post("ana", f"@{brand.mastodon_acct} o buraco na Rua das Flores continua")
    mastodon.post(
        "dana@example.social",
        f"@{brand.mastodon_acct} please call me about my bill",
        visibility="direct",
    )
    bluesky = networks.bluesky
    bluesky.post(
        "dana.bsky.social",
        f"¡Hola @{brand.bluesky_handle}! La farola de la calle Olmo no funciona",
        langs=("es",),
    )
    bluesky.message(
        "ori.bsky.social", brand.bluesky_handle, "Can someone reschedule my visit to Friday?"
    )


@dataclass(slots=True)
class DemoNetworks:
    """The three running emulators and the demo brand's account on each."""

    brand: DemoBrand
    x: XEmulator
    mastodon: MastodonEmulator
    bluesky: BlueskyEmulator
    x_account: XAccount
    mastodon_account: MastodonAccount
    bluesky_account: BlueskyAccount

    def accounts(self) -> dict[Network, AccountState]:
        """Account states to store for the demo brand (JSON with `to_json`)."""
        return {
            Network.X: self.x_account,
            Network.MASTODON: self.mastodon_account,
            Network.BLUESKY: self.bluesky_account,
        }

    def emulators(self) -> dict[Network, Emulator]:
        """The running servers by network."""
        return {Network.X: self.x, Network.MASTODON: self.mastodon, Network.BLUESKY: self.bluesky}

    def stop(self) -> None:
        """Stop all three."""
        for emulator in self.emulators().values():
            emulator.stop()


def start_demo_networks(
    host: str = "127.0.0.1", *, brand: DemoBrand | None = None, seed: bool = True
) -> DemoNetworks:
    """Start the three emulators on free ports with the demo brand (and some customers)."""
    brand = brand or DemoBrand()
    x = XEmulator(host=host, consumer_secret=brand.x_consumer_secret).start()
    mastodon = MastodonEmulator(host=host).start()
    bluesky = BlueskyEmulator(host=host).start()
    networks = DemoNetworks(
        brand=brand,
        x=x,
        mastodon=mastodon,
        bluesky=bluesky,
        x_account=seed_x(x, brand),
        mastodon_account=seed_mastodon(mastodon, brand),
        bluesky_account=seed_bluesky(bluesky, brand),
    )
    if seed:
        seed_customer_traffic(networks)
    return networks
