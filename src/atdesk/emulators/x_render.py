"""How the X emulator spells its state on the wire: v2 sparse fieldsets, v1.1 webhook shapes.

Pure functions over the emulator's dictionaries (users by id, tweets by id), kept apart
from the server so the wire shapes can be read in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from twitter_text import extract_urls_with_indices

Users = Mapping[str, Mapping[str, Any]]
Tweets = Mapping[str, Mapping[str, Any]]

_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def b36(number: int) -> str:
    """A base-36 pagination token (the spec calls them PaginationToken36)."""
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
    return out or "0"


def entities(text: str, find_user: Callable[[str], str | None]) -> dict[str, Any]:
    """v2 `entities` with code-point offsets: mentions (resolved to ids), hashtags, URLs."""
    found: dict[str, Any] = {}
    mentions = []
    for match in _MENTION.finditer(text):
        mention = {"start": match.start(), "end": match.end(), "username": match.group(1)}
        user_id = find_user(match.group(1))
        if user_id:
            mention["id"] = user_id
        mentions.append(mention)
    if mentions:
        found["mentions"] = mentions
    tags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)
    ]
    if tags:
        found["hashtags"] = tags
    urls = [
        {
            "start": u["indices"][0],
            "end": u["indices"][1],
            "url": u["url"],
            "expanded_url": u["url"],
            "display_url": u["url"].split("://", 1)[-1],
        }
        for u in extract_urls_with_indices(text)
    ]
    if urls:
        found["urls"] = urls
    return found


def public(item: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the emulator's private bookkeeping keys (they start with `_`)."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


def render_user(user: Mapping[str, Any], user_fields: set[str]) -> dict[str, Any]:
    """A v2 user: id, name, username, plus the requested fields."""
    item = {k: user[k] for k in ("id", "name", "username")}
    for name in user_fields:
        if name in user:
            item[name] = user[name]
    return item


def _wanted(query: Mapping[str, list[str]], name: str) -> set[str]:
    values = query.get(name) or [""]
    return {v for v in values[-1].split(",") if v}


def render_tweets(
    tweets: Sequence[Mapping[str, Any]], users: Users, query: Mapping[str, list[str]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Sparse fieldsets and de-duplicated `includes`, as X builds them from the query."""
    fields = _wanted(query, "tweet.fields")
    expansions = _wanted(query, "expansions")
    user_fields = _wanted(query, "user.fields")
    data = []
    authors: dict[str, dict[str, Any]] = {}
    media: list[dict[str, Any]] = []
    places: dict[str, dict[str, Any]] = {}
    for tweet in tweets:
        item = {k: tweet[k] for k in ("id", "text", "edit_history_tweet_ids")}
        for name in fields:
            if name in tweet and not name.startswith("_"):
                item[name] = tweet[name]
        data.append(item)
        if "author_id" in expansions:
            authors[tweet["author_id"]] = render_user(users[tweet["author_id"]], user_fields)
        if "attachments.media_keys" in expansions:
            media.extend(tweet.get("_media", []))
        if "geo.place_id" in expansions and "geo" in tweet:
            place_id = tweet["geo"]["place_id"]
            places[place_id] = {"id": place_id, "full_name": "San Francisco, CA"}
    includes: dict[str, Any] = {}
    if authors:
        includes["users"] = list(authors.values())
    if media:
        includes["media"] = media
    if places:
        includes["places"] = list(places.values())
    return data, includes


def v1_time(moment: datetime) -> str:
    """`Sun Mar 01 14:05:09 +0000 2026`."""
    return moment.strftime("%a %b %d %H:%M:%S +0000 %Y")


def v1_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """A v1.1 user object."""
    return {
        "id": int(user["id"]),
        "id_str": user["id"],
        "name": user["name"],
        "screen_name": user["username"],
        "followers_count": user["public_metrics"]["followers_count"],
        "verified": user["verified"],
    }


def _v1_entities(found: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "hashtags": [
            {"text": h["tag"], "indices": [h["start"], h["end"]]} for h in found.get("hashtags", [])
        ],
        "user_mentions": [
            {
                "screen_name": m["username"],
                "id_str": m.get("id", ""),
                "indices": [m["start"], m["end"]],
            }
            for m in found.get("mentions", [])
        ],
        "urls": [
            {
                "url": u["url"],
                "expanded_url": u["expanded_url"],
                "display_url": u["display_url"],
                "indices": [u["start"], u["end"]],
            }
            for u in found.get("urls", [])
        ],
        "symbols": [],
    }


def v1_tweet(tweet: Mapping[str, Any], tweets: Tweets, users: Users) -> dict[str, Any]:
    """The v1.1 shape Account Activity webhooks deliver."""
    created = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
    out: dict[str, Any] = {
        "created_at": v1_time(created),
        "id": int(tweet["id"]),
        "id_str": tweet["id"],
        "text": tweet["text"],
        "truncated": False,
        "user": v1_user(users[tweet["author_id"]]),
        "entities": _v1_entities(tweet.get("entities", {})),
        "lang": tweet.get("lang"),
        "timestamp_ms": str(int(created.timestamp() * 1000)),
        "coordinates": (tweet.get("geo") or {}).get("coordinates"),
        "place": None,
    }
    for ref in tweet.get("referenced_tweets", []):
        if ref["type"] == "replied_to":
            parent = tweets[ref["id"]]
            out["in_reply_to_status_id_str"] = ref["id"]
            out["in_reply_to_user_id_str"] = parent["author_id"]
            out["in_reply_to_screen_name"] = users[parent["author_id"]]["username"]
        if ref["type"] == "retweeted":
            out["retweeted_status"] = v1_tweet(tweets[ref["id"]], tweets, users)
    history = tweet.get("edit_history_tweet_ids", [])
    if len(history) > 1:
        out["edit_history"] = {"initial_tweet_id": history[0], "edit_tweet_ids": history}
    return out


def v1_dm(event: Mapping[str, Any], recipient_id: str) -> dict[str, Any]:
    """A v1.1 `message_create` event."""
    created = datetime.fromisoformat(event["created_at"].replace("Z", "+00:00"))
    return {
        "type": "message_create",
        "id": event["id"],
        "created_timestamp": str(int(created.timestamp() * 1000)),
        "message_create": {
            "target": {"recipient_id": recipient_id},
            "sender_id": event["sender_id"],
            "message_data": {"text": event["text"], "entities": _v1_entities({})},
        },
    }


def interested(tweet: Mapping[str, Any]) -> set[str]:
    """Users whose Account Activity gets this post: the author and everyone mentioned."""
    found = {str(tweet["author_id"])}
    found.update(m["id"] for m in tweet.get("entities", {}).get("mentions", []) if "id" in m)
    return found


def replying_allowed(replier: str, target: Mapping[str, Any], tweets: Tweets) -> bool:
    """X's rule for self-serve apps: the post's author must have summoned the replier."""
    if target["author_id"] == replier:
        return True
    if replier in {m.get("id") for m in target.get("entities", {}).get("mentions", [])}:
        return True
    for ref in target.get("referenced_tweets", []):
        quoted = tweets.get(ref["id"])
        if ref["type"] == "quoted" and quoted and quoted["author_id"] == replier:
            return True
    return False
