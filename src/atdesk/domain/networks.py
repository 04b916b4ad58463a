"""The social networks atdesk listens to, named once."""

from enum import StrEnum


class Network(StrEnum):
    """A network a post can come from; the value is the wire name used in files and URLs."""

    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"


def parse_network(value: str) -> Network:
    """Map user input to a Network, so that bad input fails with the list of valid names."""
    try:
        return Network(value.strip().lower())
    except ValueError:
        valid = ", ".join(n.value for n in Network)
        raise ValueError(f"unknown network {value!r}; use one of: {valid}") from None
