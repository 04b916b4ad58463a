"""Command-line entry points of the channels capability (registered by atdesk.cli)."""

from __future__ import annotations

import threading

import click

from atdesk.emulators.base import Emulator
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.demo import DemoBrand, seed_bluesky, seed_mastodon, seed_x
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.emulators.x import XEmulator

NETWORKS = ("x", "mastodon", "bluesky")


def _start_and_describe(
    network: str, host: str, port: int, brand: DemoBrand
) -> tuple[Emulator, list[str]]:
    """Start one emulator with the demo brand; the lines that tell a user how to connect."""
    if network == "x":
        x = XEmulator(host=host, port=port, consumer_secret=brand.x_consumer_secret).start()
        account = seed_x(x, brand)
        return x, [
            f"ATDESK_X_API_BASE={x.base_url}",
            f"ATDESK_X_BEARER_TOKEN={account.user_token}",
            f"ATDESK_X_CONSUMER_SECRET={account.consumer_secret}",
            f"# brand @{account.handle} has user id {account.user_id}",
        ]
    if network == "mastodon":
        mastodon = MastodonEmulator(host=host, port=port).start()
        m_account = seed_mastodon(mastodon, brand)
        return mastodon, [
            f"ATDESK_MASTODON_BASE={mastodon.base_url}",
            f"ATDESK_MASTODON_TOKEN={m_account.token}",
            f"# brand @{m_account.acct} has account id {m_account.account_id}",
        ]
    bluesky = BlueskyEmulator(host=host, port=port).start()
    b_account = seed_bluesky(bluesky, brand)
    return bluesky, [
        f"ATDESK_BLUESKY_BASE={bluesky.base_url}",
        f"ATDESK_BLUESKY_HANDLE={b_account.handle}",
        f"ATDESK_BLUESKY_APP_PASSWORD={b_account.app_password}",
    ]


def wait_for_interrupt(server: Emulator) -> None:
    """Block until Ctrl-C (a seam for tests)."""
    threading.Event().wait()


@click.command("emulate")
@click.argument("network", type=click.Choice(NETWORKS, case_sensitive=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=0, type=click.IntRange(0, 65535), help="Port (default: any free port)."
)
def emulate(network: str, host: str, port: int) -> None:
    """Run a local X, Mastodon or Bluesky emulator with the demo brand, until Ctrl-C."""
    try:
        server, lines = _start_and_describe(network.lower(), host, port, DemoBrand())
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port"
        ) from None
    base_url = server.base_url
    click.echo(f"{network} emulator listening on {base_url}")
    click.echo(f"faults: POST {base_url}/_emulator/faults  (see docs/channels.md)")
    for line in lines:
        click.echo(line)
    click.echo("Press Ctrl-C to stop.")
    try:
        wait_for_interrupt(server)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.stop()


commands: list[click.Command] = [emulate]
