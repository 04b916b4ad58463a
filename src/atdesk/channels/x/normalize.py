"""X payloads (v2 tweets and DM events, v1.1 Account Activity events) as the one Post shape.

Every RawEvent payload carries the brand account it was read for (`brand`: user_id,
handle), so normalising needs nothing else: the brand's own posts come out with
inbound=False, and a post addressed to the brand names it in `to_handle`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from atdesk.channels.base import EventKind
from atdesk.channels.errors import MalformedEvent
from atdesk.channels.timeparse import parse_epoch_ms, parse_iso, parse_v1_time
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post

SOURCE_TWEET = "x.tweet"
SOURCE_DM = "x.dm"
SOURCE_AA_TWEET = "x.aa.tweet"
SOURCE_AA_DM = "x.aa.dm"
SOURCE_AA_DELETE = "x.aa.delete"

X = Network.X


def _brand(payload: Mapping[str, Any]) -> tuple[str | None, str | None]:
    brand = payload.get("brand") or {}
    user_id = brand.get("user_id")
    handle = brand.get("handle")
    return (str(user_id) if user_id else None, str(handle).lstrip("@") if handle else None)


def _required(obj: Mapping[str, Any], key: str, what: str) -> Any:
    value = obj.get(key)
    if value is None or value == "":
        raise MalformedEvent(f"{what} has no {key!r}")
    return value


def _lang(value: Any) -> str | None:
    return None if not value or value == "und" else str(value)


def _expand_urls(text: str, urls: Any) -> str:
    """Replace t.co links by the address the customer wrote, for agents and triage."""
    for url in urls or ():
        short, expanded = url.get("url"), url.get("expanded_url")
        if short and expanded and not url.get("media_key"):
            text = text.replace(short, expanded)
    return text


def _point(geo: Any) -> tuple[float, float] | None:
    """GeoJSON Point [lon, lat] as (lat, lon); None unless the author shared a precise point."""
    if not isinstance(geo, Mapping) or geo.get("type") != "Point":
        return None
    coords = geo.get("coordinates")
    if not isinstance(coords, list) or len(coords) != 2:
        return None
    lon, lat = float(coords[0]), float(coords[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


# --- v2 -------------------------------------------------------------------------------


def v2_author(user_id: str, includes: Mapping[str, Any]) -> Author:
    """The author from `includes.users`; only the id when the expansion is missing."""
    for user in includes.get("users") or ():
        if str(user.get("id")) == user_id:
            metrics = user.get("public_metrics") or {}
            return Author(
                network=X,
                native_id=user_id,
                handle=str(user.get("username") or user_id),
                name=str(user.get("name") or ""),
                followers=int(metrics.get("followers_count") or 0),
                verified=bool(user.get("verified")),
            )
    return Author(network=X, native_id=user_id, handle=user_id)


def _referenced(tweet: Mapping[str, Any], kind: str) -> str | None:
    for ref in tweet.get("referenced_tweets") or ():
        if ref.get("type") == kind:
            return str(ref.get("id"))
    return None


def v2_original_id(tweet: Mapping[str, Any]) -> str:
    """The id a post is stored under: the first of its edit history (an edit keeps its post)."""
    history = tweet.get("edit_history_tweet_ids") or []
    return str(history[0]) if history else str(_required(tweet, "id", "tweet"))


def classify_v2_tweet(tweet: Mapping[str, Any], brand_user_id: str | None) -> EventKind:
    """Post, edit, repost, or the brand's own echo."""
    if brand_user_id and str(tweet.get("author_id")) == brand_user_id:
        return EventKind.SELF_ECHO
    if _referenced(tweet, "retweeted"):
        return EventKind.REPOST
    if v2_original_id(tweet) != str(tweet.get("id")):
        return EventKind.EDIT
    return EventKind.POST


def _v2_media(tweet: Mapping[str, Any], includes: Mapping[str, Any]) -> tuple[str, ...]:
    keys = set((tweet.get("attachments") or {}).get("media_keys") or ())
    found = []
    for media in includes.get("media") or ():
        if media.get("media_key") in keys:
            url = media.get("url") or media.get("preview_image_url")
            if url:
                found.append(str(url))
    return tuple(found)


def _mentions_brand(entities: Mapping[str, Any], brand_id: str | None, handle: str | None) -> bool:
    for mention in entities.get("mentions") or entities.get("user_mentions") or ():
        if brand_id and str(mention.get("id") or mention.get("id_str")) == brand_id:
            return True
        name = mention.get("username") or mention.get("screen_name")
        if handle and name and str(name).lower() == handle.lower():
            return True
    return False


def normalize_tweet(payload: dict[str, Any]) -> Post:
    """A v2 tweet from polling or the filtered stream: {tweet, includes, brand}."""
    tweet = payload.get("tweet")
    if not isinstance(tweet, Mapping):
        raise MalformedEvent("x.tweet payload has no 'tweet' object")
    includes = payload.get("includes") or {}
    brand_id, brand_handle = _brand(payload)
    author_id = str(_required(tweet, "author_id", "tweet"))
    entities = tweet.get("entities") or {}
    note = tweet.get("note_tweet") or {}
    text = str(note.get("text") or _required(tweet, "text", "tweet"))
    text = html.unescape(_expand_urls(text, (note.get("entities") or entities).get("urls")))
    own = brand_id is not None and author_id == brand_id
    addressed = _mentions_brand(entities, brand_id, brand_handle) or (
        brand_id is not None and str(tweet.get("in_reply_to_user_id")) == brand_id
    )
    return Post(
        network=X,
        native_id=v2_original_id(tweet),
        text=text,
        created_at=parse_iso(tweet.get("created_at")),
        author=v2_author(author_id, includes),
        in_reply_to=_referenced(tweet, "replied_to"),
        to_handle=brand_handle if addressed and not own else None,
        coordinates=_point((tweet.get("geo") or {}).get("coordinates")),
        media=_v2_media(tweet, includes),
        lang=_lang(tweet.get("lang")),
        inbound=False if own else None,
        is_repost=_referenced(tweet, "retweeted") is not None,
        edited=v2_original_id(tweet) != str(tweet.get("id")),
        thread_key=None,
        raw=dict(payload),
    )


def normalize_dm(payload: dict[str, Any]) -> Post:
    """A v2 DM event (MessageCreate): {event, includes, brand}."""
    event = payload.get("event")
    if not isinstance(event, Mapping):
        raise MalformedEvent("x.dm payload has no 'event' object")
    if event.get("event_type", "MessageCreate") != "MessageCreate":
        raise MalformedEvent(
            f"DM event {event.get('id')} is a {event.get('event_type')}, not a message"
        )
    brand_id, brand_handle = _brand(payload)
    sender = str(_required(event, "sender_id", "DM event"))
    own = brand_id is not None and sender == brand_id
    return Post(
        network=X,
        native_id=str(_required(event, "id", "DM event")),
        text=html.unescape(str(event.get("text") or "")),
        created_at=parse_iso(event.get("created_at")),
        author=v2_author(sender, payload.get("includes") or {}),
        to_handle=None if own else brand_handle,
        direct=True,
        inbound=False if own else None,
        thread_key=str(event.get("dm_conversation_id") or "") or None,
        raw=dict(payload),
    )


# --- v1.1 (Account Activity webhooks) --------------------------------------------------


def v1_author(user: Mapping[str, Any]) -> Author:
    """A v1.1 user object."""
    user_id = str(user.get("id_str") or _required(user, "id", "user"))
    return Author(
        network=X,
        native_id=user_id,
        handle=str(user.get("screen_name") or user_id),
        name=str(user.get("name") or ""),
        followers=int(user.get("followers_count") or 0),
        verified=bool(user.get("verified")),
    )


def v1_original_id(tweet: Mapping[str, Any]) -> str:
    """The id of the first version of a (possibly edited) v1.1 tweet."""
    history = tweet.get("edit_history") or {}
    initial = history.get("initial_tweet_id")
    return str(initial) if initial else str(tweet.get("id_str") or _required(tweet, "id", "tweet"))


def classify_v1_tweet(tweet: Mapping[str, Any], brand_user_id: str | None) -> EventKind:
    """Post, edit, retweet, or the brand's own echo."""
    user = tweet.get("user") or {}
    if brand_user_id and str(user.get("id_str") or user.get("id")) == brand_user_id:
        return EventKind.SELF_ECHO
    if tweet.get("retweeted_status"):
        return EventKind.REPOST
    if v1_original_id(tweet) != str(tweet.get("id_str") or tweet.get("id")):
        return EventKind.EDIT
    return EventKind.POST


def normalize_aa_tweet(payload: dict[str, Any]) -> Post:
    """A v1.1 tweet from `tweet_create_events`: {tweet, brand}."""
    tweet = payload.get("tweet")
    if not isinstance(tweet, Mapping):
        raise MalformedEvent("x.aa.tweet payload has no 'tweet' object")
    brand_id, brand_handle = _brand(payload)
    author = v1_author(tweet.get("user") or {})
    extended = tweet.get("extended_tweet") or {}
    if tweet.get("truncated") and extended.get("full_text"):
        text, entities = str(extended["full_text"]), extended.get("entities") or {}
    else:
        text = str(tweet.get("full_text") or tweet.get("text") or "")
        entities = tweet.get("entities") or {}
    text = html.unescape(_expand_urls(text, entities.get("urls")))
    own = brand_id is not None and author.native_id == brand_id
    addressed = _mentions_brand(entities, brand_id, brand_handle) or (
        brand_id is not None and str(tweet.get("in_reply_to_user_id_str")) == brand_id
    )
    media = tuple(
        str(m.get("media_url_https") or m.get("media_url"))
        for m in ((tweet.get("extended_entities") or entities).get("media") or ())
        if m.get("media_url_https") or m.get("media_url")
    )
    reply_to = tweet.get("in_reply_to_status_id_str")
    return Post(
        network=X,
        native_id=v1_original_id(tweet),
        text=text,
        created_at=parse_v1_time(tweet.get("created_at")),
        author=author,
        in_reply_to=str(reply_to) if reply_to else None,
        to_handle=brand_handle if addressed and not own else None,
        coordinates=_point(tweet.get("coordinates")),
        media=media,
        lang=_lang(tweet.get("lang")),
        inbound=False if own else None,
        is_repost=bool(tweet.get("retweeted_status")),
        edited=v1_original_id(tweet) != str(tweet.get("id_str") or tweet.get("id")),
        raw=dict(payload),
    )


def aa_dm_conversation_id(sender_id: str, recipient_id: str) -> str:
    """X's 1:1 conversation id: the smaller user id first."""
    low, high = sorted((sender_id, recipient_id), key=lambda v: (len(v), v))
    return f"{low}-{high}"


def normalize_aa_dm(payload: dict[str, Any]) -> Post:
    """A v1.1 `message_create` event: {event, users, brand}."""
    event = payload.get("event")
    if not isinstance(event, Mapping):
        raise MalformedEvent("x.aa.dm payload has no 'event' object")
    create = event.get("message_create") or {}
    brand_id, brand_handle = _brand(payload)
    sender = str(_required(create, "sender_id", "message_create"))
    recipient = str((create.get("target") or {}).get("recipient_id") or "")
    users = payload.get("users") or {}
    user = users.get(sender)
    author = v1_author(user) if isinstance(user, Mapping) else Author(X, sender, sender)
    own = brand_id is not None and sender == brand_id
    data = create.get("message_data") or {}
    text = html.unescape(
        _expand_urls(str(data.get("text") or ""), (data.get("entities") or {}).get("urls"))
    )
    return Post(
        network=X,
        native_id=str(_required(event, "id", "DM event")),
        text=text,
        created_at=parse_epoch_ms(event.get("created_timestamp")),
        author=author,
        to_handle=None if own else brand_handle,
        direct=True,
        inbound=False if own else None,
        thread_key=aa_dm_conversation_id(sender, recipient) if recipient else None,
        raw=dict(payload),
    )


def normalize_aa_delete(payload: dict[str, Any]) -> Post:
    """A `tweet_delete_events` item: the stored post is marked deleted, its text kept."""
    event = payload.get("event")
    if not isinstance(event, Mapping):
        raise MalformedEvent("x.aa.delete payload has no 'event' object")
    status = event.get("status") or {}
    tweet_id = str(_required(status, "id", "deleted status"))
    user_id = str(status.get("user_id") or "")
    return Post(
        network=X,
        native_id=tweet_id,
        text="",
        created_at=parse_epoch_ms(event.get("timestamp_ms"), "timestamp_ms"),
        author=Author(X, user_id, user_id),
        deleted=True,
        raw=dict(payload),
    )


NORMALIZERS = {
    SOURCE_TWEET: normalize_tweet,
    SOURCE_DM: normalize_dm,
    SOURCE_AA_TWEET: normalize_aa_tweet,
    SOURCE_AA_DM: normalize_aa_dm,
    SOURCE_AA_DELETE: normalize_aa_delete,
}
