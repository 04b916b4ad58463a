"""Each network's own rule for how long a post may be; the composer shows these live.

X: twitter-text v3 weighted length (CJK and emoji weigh 2, every URL 23), limit 280.
Mastodon: 500 grapheme clusters of spoiler + text, every http(s) URL 23, `@user@domain` as
`@user`. Bluesky: 300 grapheme clusters and at most 3000 UTF-8 bytes.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import regex
from twitter_text import extract_urls_with_indices, parse_tweet

X_LIMIT = 280
X_URL_LENGTH = 23
MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23
BLUESKY_GRAPHEME_LIMIT = 300
BLUESKY_BYTE_LIMIT = 3000
BLUESKY_CHAT_GRAPHEME_LIMIT = 1000

# twitter-text v3 (config/v3.json); the package wants snake_case keys.
X_V3_CONFIG: dict[str, Any] = {
    "version": 3,
    "max_weighted_tweet_length": X_LIMIT,
    "scale": 100,
    "default_weight": 200,
    "emoji_parsing_enabled": True,
    "transformed_url_length": X_URL_LENGTH,
    "ranges": [
        {"start": 0, "end": 4351, "weight": 100},
        {"start": 8192, "end": 8205, "weight": 100},
        {"start": 8208, "end": 8223, "weight": 100},
        {"start": 8242, "end": 8247, "weight": 100},
    ],
}

_GRAPHEME = regex.compile(r"\X")
# twitter-text's convert_line_ending: every line break counts as one "\n".
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")
# Mastodon's mention syntax: @user or @user@domain (only the @user part is counted).
_MASTODON_MENTION = regex.compile(
    r"(?<![\w/@])@([a-z0-9_]+(?:[a-z0-9_.\-]+[a-z0-9_])?)(?:@[\w.\-]+\w)?", regex.IGNORECASE
)


class TextLength(NamedTuple):
    """A text measured by a network's rule, `(length, limit, valid)`; valid = sendable as is."""

    length: int
    limit: int
    valid: bool

    @property
    def remaining(self) -> int:
        """Characters left (negative when over)."""
        return self.limit - self.length


def graphemes(text: str) -> int:
    """User-perceived characters (a family emoji or a flag counts once)."""
    return len(_GRAPHEME.findall(text))


def _ascii_x_length(text: str) -> int:
    """parse_tweet's v3 weighted length of an ASCII text, without its emoji scan.

    Every ASCII character weighs 1 in v3, none is invalid, NFC leaves ASCII alone, and no emoji
    in twitter-text's table is all ASCII (its keycaps need U+FE0F U+20E3), so only the line
    endings and the URLs (23 each) change the count. The emoji scan was ~1 ms per automated
    message, most of its length check (docs/benchmarks.md "### The automate stage").
    """
    normalized = _LINE_ENDINGS.sub("\n", text)
    urls = extract_urls_with_indices(normalized)
    return len(normalized) + sum(X_URL_LENGTH - len(url["url"]) for url in urls)


def x_text_length(text: str, config: dict[str, Any] | None = None) -> TextLength:
    """twitter-text v3 weighted length; empty text and U+FFFE/U+FEFF/U+FFFF are invalid."""
    if config is None and text.isascii():
        length = _ascii_x_length(text)
        return TextLength(length, X_LIMIT, 0 < length <= X_LIMIT)
    options = config or X_V3_CONFIG
    parsed = parse_tweet(text, options)
    limit = int(options["max_weighted_tweet_length"])
    return TextLength(parsed.weightedLength, limit, bool(parsed.valid))


def _mastodon_countable(text: str) -> str:
    """Text with every http(s) URL replaced by 23 characters and `@user@domain` by `@user`."""
    spans: list[tuple[int, int, str]] = []
    for url in extract_urls_with_indices(text, extract_urls_without_protocol=False):
        start, end = url["indices"]
        spans.append((start, end, "x" * MASTODON_URL_LENGTH))
    taken = [(s, e) for s, e, _ in spans]
    for match in _MASTODON_MENTION.finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in taken):
            continue
        spans.append((start, end, "@" + match.group(1)))
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(spans):
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def mastodon_text_length(
    text: str, *, spoiler_text: str = "", limit: int = MASTODON_LIMIT
) -> TextLength:
    """Mastodon's StatusLengthValidator; `limit` comes from the instance configuration."""
    length = graphemes(_mastodon_countable(text)) + graphemes(spoiler_text)
    return TextLength(length, limit, 0 < length <= limit)


def bluesky_text_length(text: str, *, limit: int = BLUESKY_GRAPHEME_LIMIT) -> TextLength:
    """app.bsky.feed.post `text`: at most 300 graphemes and 3000 UTF-8 bytes, not empty."""
    length = graphemes(text)
    fits_bytes = len(text.encode("utf-8")) <= BLUESKY_BYTE_LIMIT
    return TextLength(length, limit, 0 < length <= limit and fits_bytes)


def bluesky_chat_length(text: str) -> TextLength:
    """chat.bsky.convo messageInput `text`: at most 1000 graphemes and 10000 bytes."""
    length = graphemes(text)
    fits_bytes = len(text.encode("utf-8")) <= 10 * BLUESKY_CHAT_GRAPHEME_LIMIT
    return TextLength(
        length,
        BLUESKY_CHAT_GRAPHEME_LIMIT,
        0 < length <= BLUESKY_CHAT_GRAPHEME_LIMIT and fits_bytes,
    )


def has_link(text: str) -> bool:
    """True when X would count a URL in the text (a post with a link is billed higher)."""
    return bool(extract_urls_with_indices(text))
