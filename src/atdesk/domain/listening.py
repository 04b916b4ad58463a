"""What a brand listens for beyond its @mentions: tracked terms, exclusions, executives, threads.

A term is a word (`refund`), a "quoted phrase" (`"late delivery"`) or a #hashtag
(`#acmefail`); an exclusion has the same shapes and vetoes a match. Executive handles are
the brand's `watched_handles` (the same setting that escalates their mentions), and
`brand_threads` hears replies under the brand's own public posts. The settings are kept in
`brands.settings["listening"]`; every reader goes through `Listening.from_settings`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from atdesk.domain.errors import AppError
from atdesk.domain.handles import handle_key

MAX_TERM = 60  # characters of one term, quotes and # included
MAX_TERMS = 50  # tracked terms per brand
MAX_EXCLUSIONS = 30
# X's rule values are at most 1024 characters (self-serve); the terms of a brand are spread
# over several rules, but every rule carries all exclusions, so they must leave room.
X_RULE_LIMIT = 1024
MAX_X_RULES = 10  # rules one brand's terms may take on the app (1000 per project)

_WORD = re.compile(r"^[\w'&.\-+]+$")
_TAG = re.compile(r"^#\w+$")
_HANDLE = re.compile(r"^[\w.\-]+(?:@[\w.\-]+)?$")
_X_USERNAME = re.compile(r"^\w{1,15}$")


class HeardAs(StrEnum):
    """How a stored post reached the brand (posts.heard_as)."""

    MENTION = "mention"  # addressed to a brand account (the only way before listening)
    DIRECT = "direct"  # a private message
    TERM = "term"  # matched a tracked term
    EXECUTIVE = "executive"  # mentioned or answered an executive's handle
    BRAND_THREAD = "brand_thread"  # a reply under the brand's own public post


LISTENED = frozenset({HeardAs.TERM, HeardAs.EXECUTIVE, HeardAs.BRAND_THREAD})


class ListeningError(AppError):
    """A listening setting that cannot be saved as written."""


class TermKind(StrEnum):
    """The three shapes of a term."""

    WORD = "word"
    PHRASE = "phrase"
    HASHTAG = "hashtag"


@dataclass(frozen=True, slots=True)
class Term:
    """One tracked term or exclusion, as the admin wrote it and as it matches."""

    kind: TermKind
    text: str  # lower case; without quotes; without '#'

    @property
    def written(self) -> str:
        """The term in the form it was entered (and X's rule syntax)."""
        if self.kind is TermKind.PHRASE:
            return f'"{self.text}"'
        if self.kind is TermKind.HASHTAG:
            return f"#{self.text}"
        return self.text

    def found_in(self, text: str, tags: frozenset[str]) -> bool:
        """Whole-word match, case-insensitive; a hashtag also matches the post's tags."""
        if self.kind is TermKind.HASHTAG:
            return self.text in tags
        return _phrase_pattern(self.text).search(text) is not None


def _phrase_source(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in text.split())


@functools.lru_cache(maxsize=4096)
def _phrase_pattern(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w#@])" + _phrase_source(text) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Matcher:
    """All words and phrases of a list in one pattern, and its hashtags as a set: most posts
    match none, and one search plus one set test rule them out."""

    words: re.Pattern[str] | None
    tags: frozenset[str]

    @classmethod
    def of(cls, terms: tuple[Term, ...]) -> _Matcher:
        sources = [_phrase_source(t.text) for t in terms if t.kind is not TermKind.HASHTAG]
        words = (
            re.compile(r"(?<![\w#@])(?:" + "|".join(sources) + r")(?!\w)", re.IGNORECASE)
            if sources
            else None
        )
        return cls(words, frozenset(t.text for t in terms if t.kind is TermKind.HASHTAG))

    def first(self, terms: tuple[Term, ...], text: str, tags: frozenset[str]) -> Term | None:
        """The first term (in their order) found in the text."""
        if not (self.tags & tags) and (self.words is None or self.words.search(text) is None):
            return None
        return next((t for t in terms if t.found_in(text, tags)), None)


_HASHTAGS = re.compile(r"(?<![\w&])#(\w+)")


def hashtags(text: str) -> frozenset[str]:
    """The #tags of a text, lower case, without '#'."""
    return frozenset(t.lower() for t in _HASHTAGS.findall(text))


def parse_term(raw: str) -> Term:
    """A term from how the admin wrote it; raises ListeningError naming what is wrong."""
    value = raw.strip()
    if not value:
        raise ListeningError("a term is empty")
    if len(value) > MAX_TERM:
        raise ListeningError(
            f"term {value[:20]!r}… has {len(value)} characters; at most {MAX_TERM}"
        )
    if value.startswith('"'):
        inner = value[1:-1].strip() if len(value) > 1 and value.endswith('"') else ""
        if not inner or '"' in inner:
            raise ListeningError(f"phrase {value} needs text between one pair of double quotes")
        words = inner.split()
        if not all(_WORD.match(w) for w in words):
            raise ListeningError(f"phrase {value} may hold only words (letters, digits, - ' &)")
        return Term(TermKind.PHRASE if len(words) > 1 else TermKind.WORD, " ".join(words).lower())
    if value.startswith("#"):
        if not _TAG.match(value):
            raise ListeningError(f"hashtag {value} may hold only letters, digits and _")
        return Term(TermKind.HASHTAG, value[1:].lower())
    if " " in value:
        raise ListeningError(f'{value!r} has spaces: write a phrase in double quotes, "like this"')
    if value.startswith(("@", "-")) or ":" in value or not _WORD.match(value):
        raise ListeningError(
            f"{value!r} is not a word, phrase or #hashtag (handles go under executives)"
        )
    return Term(TermKind.WORD, value.lower())


def split_terms(raw: str) -> list[str]:
    """Terms from the form's text: commas or new lines separate them, quotes keep phrases."""
    out: list[str] = []
    for line in raw.splitlines():
        current, quoted = "", False
        for ch in line:
            if ch == '"':
                quoted = not quoted
            if ch == "," and not quoted:
                out.append(current)
                current = ""
            else:
                current += ch
        out.append(current)
    return [t.strip() for t in out if t.strip()]


@dataclass(frozen=True, slots=True)
class Listening:
    """One brand's listening settings, validated."""

    terms: tuple[Term, ...] = ()
    exclusions: tuple[Term, ...] = ()
    executives: tuple[str, ...] = ()  # handle keys (the brand's watched_handles)
    brand_threads: bool = False
    _terms: _Matcher = field(init=False, repr=False, compare=False)
    _exclusions: _Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_terms", _Matcher.of(self.terms))
        object.__setattr__(self, "_exclusions", _Matcher.of(self.exclusions))

    @property
    def active(self) -> bool:
        """True when the brand hears anything beyond its mentions."""
        return bool(self.terms or self.executives or self.brand_threads)

    def excluded(self, text: str, tags: frozenset[str] | None = None) -> bool:
        """True when an exclusion vetoes this text."""
        tags = hashtags(text) if tags is None else tags
        return self._exclusions.first(self.exclusions, text, tags) is not None

    def matched_term(self, text: str, tags: frozenset[str] | None = None) -> Term | None:
        """The first tracked term in the text, unless an exclusion vetoes it (`tags`: the
        text's hashtags when the caller has them)."""
        tags = hashtags(text) if tags is None else tags
        found = self._terms.first(self.terms, text, tags)
        if found is None or self.excluded(text, tags):
            return None
        return found

    def to_json(self) -> dict[str, Any]:
        """The stored form (without executives, which are the brand's watched_handles)."""
        return {
            "terms": [t.written for t in self.terms],
            "exclusions": [t.written for t in self.exclusions],
            "brand_threads": self.brand_threads,
        }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Listening:
        """Read a brand's settings; a stored term that no longer parses is skipped."""
        settings = settings or {}
        stored = settings.get("listening") or {}
        return cls(
            terms=_parsed(stored.get("terms") or ()),
            exclusions=_parsed(stored.get("exclusions") or ()),
            executives=tuple(
                dict.fromkeys(handle_key(h) for h in settings.get("watched_handles") or ())
            ),
            brand_threads=bool(stored.get("brand_threads", False)),
        )


def _parsed(raw: Iterable[Any]) -> tuple[Term, ...]:
    out: list[Term] = []
    for item in raw:
        try:
            out.append(parse_term(str(item)))
        except ListeningError:
            continue
    return tuple(dict.fromkeys(out))


def validated(
    terms: Sequence[str], exclusions: Sequence[str], executives: Sequence[str], brand_threads: bool
) -> Listening:
    """Settings checked for saving: each term parses, counts and X's rule length fit."""
    parsed_terms = tuple(dict.fromkeys(parse_term(t) for t in terms))
    parsed_exclusions = tuple(dict.fromkeys(parse_term(t) for t in exclusions))
    if len(parsed_terms) > MAX_TERMS:
        raise ListeningError(f"{len(parsed_terms)} tracked terms; at most {MAX_TERMS}")
    if len(parsed_exclusions) > MAX_EXCLUSIONS:
        raise ListeningError(f"{len(parsed_exclusions)} exclusions; at most {MAX_EXCLUSIONS}")
    clash = set(parsed_terms) & set(parsed_exclusions)
    if clash:
        names = ", ".join(sorted(t.written for t in clash))
        raise ListeningError(f"{names} is both tracked and excluded")
    handles: list[str] = []
    for raw in executives:
        key = handle_key(raw)
        if not key:
            continue
        if not _HANDLE.match(key) or len(key) > 100:
            raise ListeningError(f"executive handle {raw!r} is not a handle (like ceo_name)")
        handles.append(key)
    listening = Listening(
        parsed_terms, parsed_exclusions, tuple(dict.fromkeys(handles)), brand_threads
    )
    x_rule_problem(listening)
    return listening


def x_rule_problem(listening: Listening) -> None:
    """Raise when the terms cannot be written as X filtered-stream rules within the limits."""
    values = term_rule_values(listening)
    if len(values) > MAX_X_RULES:
        raise ListeningError(
            f"the tracked terms need {len(values)} X stream rules of at most {X_RULE_LIMIT} "
            f"characters; at most {MAX_X_RULES} are allowed: track fewer or shorter terms"
        )


# --- X filtered-stream / search query syntax --------------------------------------------

NO_RETWEETS = "-is:retweet"


def _tail(listening: Listening) -> str:
    return " ".join([*(f"-{e.written}" for e in listening.exclusions), NO_RETWEETS])


def term_rule_values(listening: Listening, limit: int = X_RULE_LIMIT) -> list[str]:
    """The terms as X query values `(a OR "b c" OR #d) -x -is:retweet`, each within `limit`.

    Terms are packed greedily in their order; every value carries every exclusion. Raises
    ListeningError when the exclusions alone leave no room for a term.
    """
    if not listening.terms:
        return []
    tail = _tail(listening)
    values: list[str] = []
    group: list[str] = []

    def value_of(items: list[str]) -> str:
        body = items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"
        return f"{body} {tail}"

    for term in listening.terms:
        candidate = [*group, term.written]
        if len(value_of(candidate)) <= limit:
            group = candidate
            continue
        if not group:
            raise ListeningError(
                f"the exclusions take {len(tail)} of X's {limit} characters per rule; "
                f"no room is left for {term.written}"
            )
        values.append(value_of(group))
        group = [term.written]
        if len(value_of(group)) > limit:
            raise ListeningError(
                f"the exclusions take {len(tail)} of X's {limit} characters per rule; "
                f"no room is left for {term.written}"
            )
    values.append(value_of(group))
    return values


def executive_rule_values(listening: Listening, limit: int = X_RULE_LIMIT) -> list[str]:
    """Posts that mention or answer an executive: `(@ceo OR to:ceo) -from:ceo -is:retweet`."""
    values: list[str] = []
    for handle in listening.executives:
        if not _X_USERNAME.match(handle):
            continue  # not an X username (a Mastodon or Bluesky handle)
        value = f"(@{handle} OR to:{handle}) -from:{handle} {NO_RETWEETS}"
        if len(value) <= limit:
            values.append(value)
    return values


def brand_thread_rule_value(brand_handle: str) -> str:
    """Replies to the brand's posts, including ones whose @-prefix was removed."""
    return f"to:{handle_key(brand_handle)} -from:{handle_key(brand_handle)} {NO_RETWEETS}"


def listen_rule_values(listening: Listening, brand_handle: str) -> list[str]:
    """Every X query value one brand's listening needs (terms, executives, its threads)."""
    values = [*term_rule_values(listening), *executive_rule_values(listening)]
    if listening.brand_threads:
        values.append(brand_thread_rule_value(brand_handle))
    return list(dict.fromkeys(values))
