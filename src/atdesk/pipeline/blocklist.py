"""Block lists as the filter stage applies them: users, keywords and time-limited patterns.

Entries are rows (`models.BlockEntry`, ADR 90). A pattern is a brand admin's regular
expression run against strangers' text, so it is checked before it is saved (it compiles, it
is short, it does not blow up on a probe text) and searched under a time limit: a pattern that
still runs too long on some post stops matching for that post, and the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import regex
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.errors import AppError
from atdesk.domain.handles import handle_key
from atdesk.models import BlockEntry

log = logging.getLogger(__name__)

# posts.filtered_reason is 64 characters; "blocked_keyword:" leaves 48 for the keyword.
REASON_MAX = 64
KEYWORD_MAX_CHARS = REASON_MAX - len("blocked_keyword:")
HANDLE_MAX_CHARS = 320
PATTERN_MAX_CHARS = 200
NOTE_MAX_CHARS = 300
MAX_ENTRIES_PER_BRAND = 2000
MAX_PATTERNS_PER_BRAND = 50
# Per pattern and post; with MAX_PATTERNS_PER_BRAND patterns a post costs at most 50 x this.
SEARCH_TIMEOUT_S = 0.02
# A pattern is tried on these before it is saved, with a longer limit than at run time: one
# that backtracks catastrophically on repeated characters is refused there and then.
PROBE_TIMEOUT_S = 0.1
PROBE_TEXTS = (
    "a" * 3000 + "!",
    "aaaa bbbb " * 300 + "!",
    "@user " * 200 + "https://example.com/" + "x" * 1000,
    " " * 3000 + "!",
    "0" * 3000 + "x",
)
# Patterns read the start of a post only, as triage does (triage.tokens.MAX_TEXT_CHARS).
PATTERN_SCAN_CHARS = 5000


class BlockKind(StrEnum):
    """What an entry matches: the author's handle, a substring of the text, or a pattern."""

    USER = "user"
    KEYWORD = "keyword"
    REGEX = "regex"


class BlockEntryError(AppError):
    """An entry that cannot be added as written, and why."""


def normalised_value(kind: BlockKind, raw: str) -> str:
    """The value as stored and compared: handles without @ in lower case, keywords in lower
    case, patterns as written (trimmed); refused with the reason when it cannot work."""
    text = raw.strip()
    if not text:
        raise BlockEntryError(f"the {kind.value} must not be empty")
    if kind is BlockKind.USER:
        value = handle_key(text)
        if not value or len(value) > HANDLE_MAX_CHARS or any(c.isspace() for c in value):
            raise BlockEntryError(f"{raw.strip()!r} is not a handle (one word, like @someone)")
        return value
    if kind is BlockKind.KEYWORD:
        if len(text) > KEYWORD_MAX_CHARS:
            raise BlockEntryError(
                f"keywords are at most {KEYWORD_MAX_CHARS} characters; use a pattern for longer"
            )
        return text.lower()
    check_pattern(text)
    return text


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """How every pattern is compiled: case ignored, as the keyword lists always were."""
    return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)


def check_pattern(pattern: str) -> None:
    """Refuse a pattern that is too long, does not compile, matches everything or is too slow."""
    if len(pattern) > PATTERN_MAX_CHARS:
        raise BlockEntryError(f"patterns are at most {PATTERN_MAX_CHARS} characters")
    try:
        compiled = compile_pattern(pattern)
    except regex.error as exc:
        raise BlockEntryError(f"the pattern does not compile: {exc}") from None
    if compiled.search("", timeout=PROBE_TIMEOUT_S) is not None:
        raise BlockEntryError("the pattern matches an empty text, so it would block every post")
    for probe in PROBE_TEXTS:
        try:
            compiled.search(probe, timeout=PROBE_TIMEOUT_S)
        except TimeoutError:
            raise BlockEntryError(
                "the pattern is too slow on long texts (nested repeats such as (a+)+ backtrack"
                " without end); write it without repeats inside repeats"
            ) from None


def check_room(kind: BlockKind, counts: dict[str, int]) -> None:
    """Refuse an entry beyond the brand's caps (`counts`: the brand's entries by kind)."""
    if sum(counts.values()) >= MAX_ENTRIES_PER_BRAND:
        raise BlockEntryError(
            f"a brand has at most {MAX_ENTRIES_PER_BRAND} block entries; remove some first"
        )
    if kind is BlockKind.REGEX and counts.get(BlockKind.REGEX.value, 0) >= MAX_PATTERNS_PER_BRAND:
        raise BlockEntryError(
            f"a brand has at most {MAX_PATTERNS_PER_BRAND} patterns; combine some with |"
        )


@dataclass(frozen=True, slots=True)
class BlockPattern:
    """One saved pattern, compiled once per batch."""

    source: str
    compiled: regex.Pattern[str]


@dataclass(slots=True)
class BlockList:
    """One brand's entries, ready to match."""

    handles: set[str] = field(default_factory=set)
    keywords: list[str] = field(default_factory=list)
    patterns: list[BlockPattern] = field(default_factory=list)

    def add(self, kind: str, value: str) -> None:
        """Take one stored entry; a stored pattern that no longer compiles is skipped."""
        if kind == BlockKind.USER.value:
            self.handles.add(handle_key(value))
        elif kind == BlockKind.KEYWORD.value:
            self.keywords.append(value.lower())
        elif kind == BlockKind.REGEX.value:
            try:
                self.patterns.append(BlockPattern(value, compile_pattern(value)))
            except regex.error:
                log.warning("block pattern %r does not compile; skipped", value)

    def reason(self, handle: str, text: str) -> str | None:
        """Why a post by `handle` saying `text` is blocked, or None."""
        if self.handles and handle_key(handle) in self.handles:
            return "blocked_user"
        if self.keywords:
            lowered = text.lower()
            for keyword in self.keywords:
                if keyword in lowered:
                    return f"blocked_keyword:{keyword}"[:REASON_MAX]
        if self.patterns:
            head = text[:PATTERN_SCAN_CHARS]
            for pattern in self.patterns:
                if _searches(pattern, head):
                    return f"blocked_regex:{pattern.source}"[:REASON_MAX]
        return None


def _searches(pattern: BlockPattern, text: str) -> bool:
    try:
        return pattern.compiled.search(text, timeout=SEARCH_TIMEOUT_S) is not None
    except TimeoutError:
        log.warning("block pattern %r ran out of time on a post; not applied", pattern.source)
        return False


def load_block_lists(session: Session) -> dict[int, BlockList]:
    """Every brand's entries, by brand id (one query per batch; brands without entries absent)."""
    lists: dict[int, BlockList] = {}
    rows = session.execute(
        select(BlockEntry.brand_id, BlockEntry.kind, BlockEntry.value).order_by(BlockEntry.id)
    )
    for brand_id, kind, value in rows:
        lists.setdefault(brand_id, BlockList()).add(kind, value)
    return lists


def blocked_handles(session: Session, brand_id: int) -> frozenset[str]:
    """The handle keys a brand blocks (for stages outside the pipeline, like surveys)."""
    return frozenset(
        session.scalars(
            select(BlockEntry.value).where(
                BlockEntry.brand_id == brand_id, BlockEntry.kind == BlockKind.USER.value
            )
        )
    )


def entry_counts(session: Session, brand_id: int) -> dict[str, int]:
    """How many entries of each kind a brand has (for the caps)."""
    counts: dict[str, int] = {}
    for kind in session.scalars(select(BlockEntry.kind).where(BlockEntry.brand_id == brand_id)):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def parse_kind(raw: str) -> BlockKind:
    """The kind a form or request names, or a clear error listing the kinds."""
    try:
        return BlockKind(raw.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in BlockKind)
        raise BlockEntryError(f"unknown kind {raw!r}: use one of {kinds}") from None


def reason_kinds() -> Iterable[str]:
    """The reason prefixes the filter stage writes for block entries."""
    return ("blocked_user", "blocked_keyword", "blocked_regex")
