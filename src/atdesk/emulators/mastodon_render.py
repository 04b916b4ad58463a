"""How the Mastodon emulator writes statuses: HTML content as Mastodon's formatter makes it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from twitter_text import extract_urls_with_indices

MENTION = re.compile(r"(?<![\w/@])@([A-Za-z0-9_]+(?:@[\w.\-]+\w)?)")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
_VISIBLE_URL = 30


def _link(url: str) -> str:
    scheme, _, rest = url.partition("://")
    visible, hidden = rest[:_VISIBLE_URL], rest[_VISIBLE_URL:]
    ellipsis = "ellipsis" if hidden else ""
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
        f'translate="no"><span class="invisible">{html.escape(scheme)}://</span>'
        f'<span class="{ellipsis}">{html.escape(visible)}</span>'
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )


def _mention(account: Mapping[str, Any]) -> str:
    return (
        f'<span class="h-card" translate="no"><a href="{html.escape(account["url"])}" '
        f'class="u-url mention">@<span>{html.escape(account["username"])}</span></a></span>'
    )


def _tag(base_url: str, tag: str) -> str:
    return (
        f'<a href="{base_url}/tags/{html.escape(tag)}" class="mention hashtag" rel="tag">'
        f"#<span>{html.escape(tag)}</span></a>"
    )


def format_content(
    text: str, base_url: str, resolve: Callable[[str], Mapping[str, Any] | None]
) -> tuple[str, list[dict[str, Any]], list[dict[str, str]]]:
    """HTML content, mentions and tags for plain text, as the instance would publish it."""
    spans: list[tuple[int, int, str]] = []
    mentions: list[dict[str, Any]] = []
    tags: list[dict[str, str]] = []
    for url in extract_urls_with_indices(text, extract_urls_without_protocol=False):
        start, end = url["indices"]
        spans.append((start, end, _link(url["url"])))
    for match in MENTION.finditer(text):
        account = resolve(match.group(1))
        if account is None or any(s < match.end() and match.start() < e for s, e, _ in spans):
            continue
        spans.append((match.start(), match.end(), _mention(account)))
        mentions.append(
            {
                "id": account["id"],
                "username": account["username"],
                "acct": account["acct"],
                "url": account["url"],
            }
        )
    for match in _HASHTAG.finditer(text):
        if any(s < match.end() and match.start() < e for s, e, _ in spans):
            continue
        spans.append((match.start(), match.end(), _tag(base_url, match.group(1))))
        tags.append({"name": match.group(1).lower(), "url": f"{base_url}/tags/{match.group(1)}"})
    pieces: list[str] = []
    position = 0
    for start, end, markup in sorted(spans):
        pieces.append(html.escape(text[position:start], quote=False))
        pieces.append(markup)
        position = end
    pieces.append(html.escape(text[position:], quote=False))
    body = "".join(pieces)
    paragraphs = [p.replace("\n", "<br />") for p in re.split(r"\n{2,}", body) if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paragraphs), mentions, tags
