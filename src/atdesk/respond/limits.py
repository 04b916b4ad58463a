"""How long a reply may be on each network, measured the network's own way (channels' rules)."""

from __future__ import annotations

from dataclasses import dataclass

from atdesk.channels.mastodon.provider import addressed
from atdesk.channels.textlength import (
    TextLength,
    bluesky_chat_length,
    bluesky_text_length,
    mastodon_text_length,
    x_text_length,
)
from atdesk.domain.networks import Network

X_DM_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Measured:
    """A draft measured for one network and mode, with the rule in words for the counter."""

    length: int
    limit: int
    valid: bool
    rule: str

    @property
    def remaining(self) -> int:
        """Characters left (negative when over)."""
        return self.limit - self.length


def _x_dm(text: str) -> TextLength:
    length = len(text)
    return TextLength(length, X_DM_LIMIT, 0 < length <= X_DM_LIMIT and bool(text.strip()))


def measure(network: str, text: str, *, private: bool, recipient_handle: str = "") -> Measured:
    """The length of a draft as the network will count it when it is sent.

    Mastodon replies and DMs go out addressed with @acct (the channel adds it when missing),
    so the counter counts it too.
    """
    if network == Network.X.value:
        if private:
            return Measured(*_as_tuple(_x_dm(text)), "X direct message · 10,000 characters")
        return Measured(*_as_tuple(x_text_length(text)), "X · weighted length, URLs count 23")
    if network == Network.MASTODON.value:
        sent = addressed(recipient_handle, text) if recipient_handle and text.strip() else text
        rule = "Mastodon · 500 characters, URLs count 23"
        return Measured(*_as_tuple(mastodon_text_length(sent)), rule)
    if network == Network.BLUESKY.value:
        if private:
            return Measured(*_as_tuple(bluesky_chat_length(text)), "Bluesky chat · 1,000 graphemes")
        return Measured(*_as_tuple(bluesky_text_length(text)), "Bluesky · 300 graphemes")
    raise ValueError(f"unknown network {network!r}")


def _as_tuple(m: TextLength) -> tuple[int, int, bool]:
    return m.length, m.limit, m.valid
