"""What a burst is about: the words and word pairs its posts use far more than the norm's posts.

Tokens keep version numbers ("5.2"), ZIP codes and other numbers whole, since they often name
the outage; mentions, links and common words are dropped. A term is ranked by how much more
often it occurs in the burst's posts than in the baseline's (document frequency times the log
of the ratio, counting half a use for terms the baseline never used, in no fewer than fifty
posts).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from atdesk.triage.lexicon import STOP_WORDS

MAX_TERMS = 5
MIN_SHARE = 0.1  # a term must be in at least this share of the burst's posts
MIN_POSTS = 2
CHAIN_SHARE = 0.8
PRIOR_POSTS = 50
MIN_LIFT = 2.0  # at least twice as common in the burst as in the norm
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_CLAUSE = re.compile(r"[,;:!?()\[\]\"]|\.(?!\d)|\s-\s")
_TOKEN = re.compile(r"\d+(?:[.,:/-]\d+)+|[a-z][a-z'’]*[a-z]|\d+")
_EXTRA_STOP = frozenset(
    {"the", "this", "that", "it's", "im", "i'm", "you", "your", "with", "has", "have", "just",
     "they", "them", "was", "but", "from", "what", "why", "how", "all", "get", "got", "been",
     "please", "still", "any", "one", "our", "out", "now", "there", "their", "again",
     "since", "after", "for", "and", "are", "can", "will", "would", "could", "when", "who"}
)  # fmt: skip
# Words a pair may not hang on: "app is" or "the update" say nothing "app"/"update" do not.
_GLUE = frozenset(
    {"a", "an", "the", "is", "are", "was", "be", "to", "of", "my", "i", "it", "its", "and",
     "or", "for", "at", "this", "that", "me", "we", "you", "so", "just", "since", "after"}
)  # fmt: skip
# Words that say nothing on their own in a care inbox (they may still start a pair).
_WEAK_ALONE = frozenset(
    {"not", "help", "thank", "thanks", "don't", "can't", "won't", "i've", "i'll", "back",
     "know", "need", "time", "two", "day", "make", "give", "using", "yes", "sent", "done",
     "check", "work", "great", "always", "already", "being", "better", "someone", "lol",
     "really", "never", "today", "going", "want", "like", "see", "way", "let", "try", "same"}
)  # fmt: skip
STOP = STOP_WORDS | _EXTRA_STOP
_SPELLED = {"cant": "can't", "dont": "don't", "wont": "won't", "doesnt": "doesn't"}


def tokens(text: str) -> list[str]:
    """Lower-case words and whole numbers of a post, without mentions, hashtags or links."""
    cleaned = _NOISE.sub(" ", text.lower()).replace("’", "'")
    return [_SPELLED.get(t, t) for t in _TOKEN.findall(cleaned)]


def _is_word(token: str) -> bool:
    return token not in STOP and (len(token) >= 3 or token[0].isdigit())


def post_terms(text: str) -> set[str]:
    """The unigrams and adjacent pairs a post contributes (each once)."""
    found: set[str] = set()
    for clause in _CLAUSE.split(_NOISE.sub(" ", text)):
        words = tokens(clause)
        found.update(w for w in words if _is_word(w) and w not in _WEAK_ALONE)
        for left, right in itertools.pairwise(words):
            if left in _GLUE or right in _GLUE or left == right:
                continue
            if _is_word(left) or _is_word(right):
                found.add(f"{left} {right}")
    return found


def _frequencies(texts: Iterable[str]) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        counts.update(post_terms(text))
        n += 1
    return counts, n


def distinctive_terms(
    burst: Sequence[str], baseline: Sequence[str], *, limit: int = MAX_TERMS
) -> list[str]:
    """The burst's most distinctive terms, best first; a word inside a chosen pair is not
    repeated on its own."""
    hits, n1 = _frequencies(burst)
    norm, n0 = _frequencies(baseline)
    if not n1:
        return []
    floor = max(MIN_POSTS, math.ceil(MIN_SHARE * n1))
    scored = []
    for term, count in hits.items():
        if count < floor:
            continue
        share = count / n1
        # half a use in at least PRIOR_POSTS posts: an empty or tiny norm still ranks terms
        expected = (norm.get(term, 0) + 0.5) / max(n0 + 1, PRIOR_POSTS)
        if share < MIN_LIFT * expected:
            continue
        pair_bonus = 1.05 if " " in term else 1.0  # "update 5.2" says more than "update"
        scored.append((share * math.log(share / expected) * pair_bonus, term))
    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[str] = []
    for _, term in scored:
        words = term.split()
        joined = _chain(chosen, words, hits, term)
        if joined:
            continue
        if any(set(words) <= set(c.split()) for c in chosen):
            continue  # already said by a pair
        if len(words) > 1 and any(c in words for c in chosen):
            chosen = [c for c in chosen if c not in words]
        chosen.append(term)
        if len(chosen) >= limit:
            break
    return chosen


def _chain(chosen: list[str], words: list[str], hits: Counter[str], term: str) -> bool:
    """Join a pair onto a chosen phrase it continues ("can't log" + "log in"), when nearly
    the same posts use both; True when it was joined."""
    if len(words) != 2:
        return False
    for index, phrase in enumerate(chosen):
        parts = phrase.split()
        if len(parts) < 2 or hits[term] < CHAIN_SHARE * hits[phrase]:
            continue
        if parts[-1] == words[0] and words[1] not in parts:
            chosen[index] = f"{phrase} {words[1]}"
            hits[chosen[index]] = min(hits[term], hits[phrase])
            return True
        if parts[0] == words[1] and words[0] not in parts:
            chosen[index] = f"{words[0]} {phrase}"
            hits[chosen[index]] = min(hits[term], hits[phrase])
            return True
    return False


def label_of(terms: Sequence[str], fallback: str) -> str:
    """A short headline for a burst: its top terms, or what the series is when none stand out."""
    return " · ".join(terms[:3]) if terms else fallback
