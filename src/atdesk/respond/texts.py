"""Fitting automated texts to the network's length rule before they are queued."""

from __future__ import annotations

from atdesk.respond.limits import measure

BOT_MARK = "[Automated answer] "


def fit(network: str, text: str, *, private: bool, keep_tail: str = "", to: str = "") -> str:
    """`text` + `keep_tail`, shortened word by word (with an ellipsis) until the network takes
    it, counted as the respond stage counts it; the tail (a link, a hint) is never cut."""
    full = f"{text}{keep_tail}"
    if measure(network, full, private=private, recipient_handle=to).valid:
        return full
    words = text.split()
    while words:
        words.pop()
        candidate = " ".join(words).rstrip(",;:") + "…" + keep_tail
        if measure(network, candidate, private=private, recipient_handle=to).valid:
            return candidate
    return keep_tail.strip()


def community_thanks(helper: str, customer: str, url: str | None) -> str:
    """A public reply that thanks a community member and points the customer to their answer."""
    where = f": {url}" if url else " in this thread"
    return (
        f"@{customer.lstrip('@')} @{helper.lstrip('@')} answered this well{where} "
        f"Thank you, @{helper.lstrip('@')}! Tell us if it doesn't sort it and we'll help."
    )
