"""Moving a conversation to private messages: the short public reply each network needs."""

from __future__ import annotations

from atdesk.channels.x.deeplinks import dm_deep_link
from atdesk.domain.networks import Network
from atdesk.models import ChannelAccount


def move_to_dm_text(account: ChannelAccount, first_name: str) -> tuple[str, str | None]:
    """The public reply inviting the customer to a private chat, and a private opener to send.

    X has a deep link that opens a DM to the brand; Mastodon has none, so the brand opens
    the private conversation itself; Bluesky's chat starts from the brand's profile.
    """
    greeting = f"Hi {first_name}, " if first_name and not first_name.startswith("@") else "Hi, "
    if account.network == Network.X.value:
        if not account.native_user_id or not account.native_user_id.isdigit():
            raise ValueError(
                f"@{account.handle} has no numeric X user id; an admin adds it under Admin → Brands"
            )
        link = dm_deep_link(account.native_user_id)
        return (
            f"{greeting}we'd like to help with this privately so your details stay safe. "
            f"Please send us a DM: {link}",
            None,
        )
    if account.network == Network.MASTODON.value:
        return (
            f"{greeting}we've sent you a private message so your details stay safe.",
            "Hello from the support team. Reply here privately with the details and we'll "
            "take it from there.",
        )
    if account.network == Network.BLUESKY.value:
        return (
            f"{greeting}we'd like to help with this privately. Please send us a chat message: "
            f"https://bsky.app/profile/{account.handle}",
            None,
        )
    raise ValueError(f"unknown network {account.network!r}")
