"""Making a past reply reusable for another customer: nothing of its first customer travels.

A reply may be suggested only when it carries none of the customer it was written to: no
link that identifies someone (a verification link, a token-like query or path, a network's
profile, status or DM link), no phone, email, account number or street address (triage's
finders, the same ones the PII guard uses), no date or time slot, no surname, no handle of
theirs and no @mention of a third party. Their first name, and the name after a greeting,
become `{first_name}`, filled for the customer at hand. Text that only makes sense on the
network it came from (its words and links, the move-to-DM wording) stays there.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from atdesk.domain.handles import handle_key, mentions
from atdesk.domain.networks import Network
from atdesk.integrations.identity import verification_link
from atdesk.models import ChannelAccount
from atdesk.respond.dm import move_to_dm_text
from atdesk.triage.datetimes import Resolved, find_datetimes
from atdesk.triage.entities import (
    find_account_numbers,
    find_addresses,
    find_emails,
    find_phones,
)

FIRST_NAME = "{first_name}"
PHONE_REGIONS = ("US", "GB")
MIN_LENGTH = 12
URL = re.compile(r"https?://\S+|www\.\S+")
_EDGE_MENTIONS = re.compile(r"^(?:\s*@[\w.\-@]+)+\s*|(?:\s+@[\w.\-@]+)+\s*$")
# "Hi Maria," / "Thanks Maria!": the capitalised word after a greeting is the customer's name,
# even when the record never knew it (they signed a private message with it).
# So is one set off by a comma at the end of a sentence ("Sorry to hear that, Maria.").
_GREETING = re.compile(
    r"\b(?i:hi|hello|hey|dear|thanks|thank\s+you|good\s+(?:morning|afternoon|evening))"
    r"\s+(?P<name>[A-Z][a-z'\-]+)(?=\s*[,!.:;)]|\s*$)"
    r"|,\s*(?P<called>[A-Z][a-z'\-]+)(?=\s*[!.?]|\s*$)"
)
_NOT_NAMES = frozenset(["There", "All", "Again", "Team", "Everyone", "Folks", "Guys", "So"])
_NAME_WORD = re.compile(r"[^\W\d_][\w'\-]*")
_WORDS = re.compile(r"[a-z][a-z.']*[a-z]")
# Only the verification path is needed from the link: "/verify/".
VERIFY_PATH = urlsplit(verification_link("https://h", "t")).path.removesuffix("t")
# Path parts of a network's links to a person, a post or a private chat.
_PERSONAL_PATHS = ("/@", "/messages", "/status", "/statuses", "/profile/", "/i/", "/web/")
# A signed or random token in a path: long, and mixing cases and digits (a slug does not).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-.=~]{16,}")
NETWORK_HOSTS = {
    Network.X.value: ("x.com", "twitter.com", "t.co"),
    Network.MASTODON.value: ("mastodon.social", "joinmastodon.org"),
    Network.BLUESKY.value: ("bsky.app", "bsky.social"),
}
NETWORK_WORDS = {
    Network.X.value: frozenset(
        ["tweet", "tweets", "tweeted", "retweet", "retweets", "retweeted", "twitter"]
    ),
    Network.MASTODON.value: frozenset(["toot", "toots", "tooted", "mastodon", "fediverse"]),
    Network.BLUESKY.value: frozenset(["skeet", "skeets", "skeeted", "bluesky", "bsky"]),
}


@dataclass(frozen=True, slots=True)
class SourceCustomer:
    """Who a past reply was written to: the names and handles that must not travel."""

    first_name: str
    other_names: frozenset[str]
    handles: frozenset[str]
    handle_words: frozenset[str]

    @classmethod
    def of(
        cls, names: Iterable[str], handles: Iterable[str], stopwords: Collection[str]
    ) -> SourceCustomer:
        """From every name and handle the customer is known by (record and each network)."""
        words = [_capital(w) for name in names for w in _NAME_WORD.findall(name)]
        named = [w for w in words if len(w) >= 2 and w.lower() not in stopwords]
        first = named[0] if named else ""
        keys = {handle_key(h) for h in handles if handle_key(h)}
        keys |= {k.split("@")[0] for k in keys}  # Mastodon: "dana@example.social" and "dana"
        bare = {k.split("@")[0].split(".")[0] for k in keys}  # "dana.bsky.social": "dana"
        return cls(
            first,
            frozenset(w for w in named if w != first),
            frozenset(keys),
            frozenset(w for w in keys | bare if len(w) >= 4 and w not in stopwords),
        )


@dataclass(frozen=True, slots=True)
class Where:
    """Where the reply was written and where it would be used, and the brand's own handles."""

    source_network: str
    target_network: str
    brand_handles: frozenset[str]
    written_at: datetime


def _capital(word: str) -> str:
    """How a name is written in a reply, whatever the display name did ("maria" → "Maria")."""
    return word[:1].upper() + word[1:]


def reusable_reply(text: str, source: SourceCustomer, where: Where) -> str | None:
    """The reply with `{first_name}` for its customer's name, or None if it carries their data."""
    addressed = _handles_to_first_name(
        _EDGE_MENTIONS.sub("", text).strip(), source, where.brand_handles
    )
    if addressed is None or _has_personal_link(addressed, where):
        return None
    if _network_specific(addressed, where) or _has_contact_data(addressed):
        return None
    if _has_time_slot(addressed, where.written_at):
        return None
    named = _names_to_first_name(addressed, source)
    if _names_left(named, source):
        return None
    reply = " ".join(named.split())
    return reply if len(reply) >= MIN_LENGTH else None


def _handles_to_first_name(
    text: str, source: SourceCustomer, brand_handles: frozenset[str]
) -> str | None:
    """The customer's @handle becomes {first_name}; anyone else's @mention drops the reply."""
    for handle in dict.fromkeys(mentions(text)):
        if handle in source.handles:
            mention = re.compile("@" + re.escape(handle) + r"(?![\w@\-]|\.\w)", re.IGNORECASE)
            text = mention.sub(FIRST_NAME, text)
        elif handle not in brand_handles:
            return None
    return text


def _has_personal_link(text: str, where: Where) -> bool:
    """A link that may point at one person: signed tokens, queries, profiles, posts, chats."""
    for raw in URL.findall(text):
        link = urlsplit(raw if "://" in raw else f"https://{raw}")
        host = (link.hostname or "").removeprefix("www.")
        path = link.path
        if VERIFY_PATH in path or link.query or _has_token(path):
            return True
        if any(part in path for part in _PERSONAL_PATHS):
            return True
        if any(
            host == h or host.endswith("." + h)
            for network, hosts in NETWORK_HOSTS.items()
            if network != where.target_network
            for h in hosts
        ):
            return True
    return False


def _has_token(path: str) -> bool:
    """A run like "eyJhbGciOi…" or "aB3xQ9…" (upper, lower and digits), not "late-parcels-2"."""
    return any(
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
        for run in _TOKEN_CHARS.findall(path)
    )


def _network_specific(text: str, where: Where) -> bool:
    """Words of another network, or the move-to-DM wording (the button does that for real)."""
    lowered = " ".join(text.lower().split())
    if any(phrase in lowered for phrase in _move_to_dm_phrases()):
        return True
    if where.source_network == where.target_network:
        return False
    words = set(_WORDS.findall(lowered))
    return not NETWORK_WORDS.get(where.source_network, frozenset()).isdisjoint(words)


@cache
def _move_to_dm_phrases() -> tuple[str, ...]:
    """Each network's move-to-DM texts without links, as the respond stage writes them."""
    phrases = []
    for network in Network:
        account = ChannelAccount(network=network.value, handle="brand", native_user_id="1")
        public, opener = move_to_dm_text(account, "")
        for text in (public.removeprefix("Hi, "), opener or ""):
            if text and not URL.search(text):
                phrases.append(" ".join(text.lower().split()))
    return tuple(phrases)


def _has_contact_data(text: str) -> bool:
    """A phone, email, account/order/booking number or street address (triage's finders);
    phones read as US and as UK numbers, the two the archive's brands write."""
    if any(find_phones(text, region) for region in PHONE_REGIONS):
        return True
    return bool(find_emails(text) or find_account_numbers(text) or find_addresses(text))


def _has_time_slot(text: str, written_at: datetime) -> bool:
    """A date, weekday or clock time: a promise made to one customer ("Fri 4 Dec 17:00")."""
    return any(not _generic(text, r) for r in find_datetimes(text, written_at))


def _generic(text: str, found: Resolved) -> bool:
    """Relative times are true for anyone: today, tonight, in 24 hours, 2 days ago, end of day."""
    phrase = " ".join(text[found.start : found.end].lower().split()).removeprefix("the ")
    if phrase.endswith(" ago") or phrase.startswith("end of "):
        return True
    if phrase.startswith("in ") and not phrase.startswith("in the "):
        return True
    if found.clock is not None or found.until_clock is not None:
        return False
    return phrase in ("today", "tonight")


def _names_to_first_name(text: str, source: SourceCustomer) -> str:
    """The customer's first name, and a name right after a greeting, become {first_name}."""

    def greeted(match: re.Match[str]) -> str:
        group = "name" if match.group("name") else "called"
        if match.group(group) in _NOT_NAMES:
            return match.group(0)
        return match.group(0)[: match.start(group) - match.start()] + FIRST_NAME

    text = _GREETING.sub(greeted, text)
    if source.first_name:
        text = re.sub(rf"\b{re.escape(source.first_name)}\b", FIRST_NAME, text)
    return text


def _names_left(text: str, source: SourceCustomer) -> bool:
    """A surname or a handle (without its @) of the customer still in the text."""
    words = set(_NAME_WORD.findall(text))
    if not source.other_names.isdisjoint(words):
        return True
    return not source.handle_words.isdisjoint(w.lower() for w in words)
