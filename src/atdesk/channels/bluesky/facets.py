"""Rich-text facets: mentions, links and tags located by UTF-8 byte offsets.

Bluesky renders a mention only through a facet naming the DID, and counts offsets in
bytes of the UTF-8 text (`¡Hola @dana.bsky.social!`: `¡` is two bytes, so the mention at
character 6 starts at byte 7). Handles that do not resolve get no facet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MENTION = re.compile(
    r"(?:^|(?<=[\s(]))@(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
LINK = re.compile(r"(?:^|(?<=[\s(]))(https?://[^\s]+)")
TAG = re.compile(r"(?:^|(?<=\s))#([^\s#\d][^\s#]{0,63})")
_TRAILING = ".,;:!?\"')"


def byte_range(text: str, start: int, end: int) -> dict[str, int]:
    """Character offsets as the UTF-8 byte slice a facet index wants."""
    return {
        "byteStart": len(text[:start].encode("utf-8")),
        "byteEnd": len(text[:end].encode("utf-8")),
    }


def build_facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Facets for every resolvable @handle, every http(s) link and every #tag in `text`."""
    facets: list[tuple[int, dict[str, Any]]] = []
    for match in MENTION.finditer(text):
        handle = match.group(1)
        did = resolve_handle(handle)
        if did:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            start = match.start(1) - 1
            facets.append(
                (start, {"index": byte_range(text, start, match.end(1)), "features": [feature]})
            )
    for match in LINK.finditer(text):
        url = match.group(1).rstrip(_TRAILING)
        start = match.start(1)
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": url}
        facets.append(
            (start, {"index": byte_range(text, start, start + len(url)), "features": [feature]})
        )
    for match in TAG.finditer(text):
        tag = match.group(1).rstrip(_TRAILING)
        if not tag:
            continue
        start = match.start(1) - 1
        feature = {"$type": "app.bsky.richtext.facet#tag", "tag": tag}
        facets.append(
            (start, {"index": byte_range(text, start, start + 1 + len(tag)), "features": [feature]})
        )
    return [facet for _, facet in sorted(facets, key=lambda item: item[0])]


def facet_text(text: str, facet: dict[str, Any]) -> str:
    """The characters a facet covers (for tests and for reading mentions back)."""
    raw = text.encode("utf-8")
    index = facet["index"]
    return raw[index["byteStart"] : index["byteEnd"]].decode("utf-8")
