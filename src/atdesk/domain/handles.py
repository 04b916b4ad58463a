"""How handles and @mentions compare, defined once for every network."""

from __future__ import annotations

import re

_MENTION = re.compile(r"(?<![\w@])@([\w.\-]+(?:@[\w.\-]+)?)")


def handle_key(handle: str) -> str:
    """Handles compare case-insensitively and without the leading @."""
    return handle.strip().lstrip("@").lower()


def mentions(text: str) -> list[str]:
    """@handles in the text, normalised, in order of appearance."""
    return [handle_key(m.rstrip(".")) for m in _MENTION.findall(text)]
