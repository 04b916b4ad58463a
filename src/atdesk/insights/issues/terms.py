"""Readable issue labels: the terms that set a group's posts apart from the brand's other posts
(class-based TF-IDF), keeping version numbers, error codes and ZIP codes whole."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from atdesk.triage.tokens import readable

TOP_TERMS = 8
LABEL_TERMS = 3
# A term names a group only when this share of its posts (and at least two) use it.
MIN_SHARE = 0.2
_HANDLE = re.compile(r"[@#]\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_TERM = re.compile(
    r"""
    \d+(?:\.\d+)+[a-z]?               # versions and dotted numbers: 5.2, 10.3.1, 11.2b
    |[a-z]+[-_]?\d+[a-z0-9]*          # error and model codes: e404, err-503, ios11, s8
    |0x[0-9a-f]+                      # hex error codes
    |\d{3,}                           # ZIP codes, HTTP status and other long numbers
    |[^\W\d_]+(?:'[^\W\d_]+)?          # words in any alphabet (one letter is dropped below)
    """,
    re.VERBOSE,
)
# Words that carry no topic in a customer post, beside scikit-learn's English stop words.
# fmt: off
CHATTER = frozenset([
    "hi", "hey", "hello", "pls", "plz", "please", "thanks", "thank", "thx", "ty", "dm", "dms",
    "im", "i'm", "ive", "i've", "dont", "don't", "cant", "can't", "doesnt", "doesn't", "didnt",
    "didn't", "wont", "won't", "isnt", "isn't", "ur", "u", "yes", "yeah", "ok", "okay", "just",
    "like", "really", "got", "get", "know", "need", "want", "trying", "tried", "guys", "amp",
    "lol", "omg", "does", "did", "sent", "it's", "that's", "i'll", "i'd", "you're", "we're",
    "they're", "what's", "there's", "let's", "haven't", "wasn't", "aren't", "you've", "we've",
])
# fmt: on
# Function words of the other languages customers write in (twcs: Spanish, French, German,
# Portuguese, Italian), so a group of posts in one of them is named by its topic.
# fmt: off
FOREIGN = frozenset([
    "aber", "ai", "al", "au", "auch", "auf", "aux", "avec", "bei", "ce", "cette", "che", "com",
    "como", "con", "dans", "das", "de", "del", "dem", "den", "der", "des", "di", "die", "du",
    "ein", "eine", "einen", "el", "elle", "em", "en", "er", "es", "eso", "est", "esta", "este",
    "estoy", "está", "et", "euch", "fue", "für", "gli", "habe", "hat", "hay", "ho", "ich", "ihr",
    "il", "ils", "ist", "je", "la", "las", "le", "les", "lo", "los", "ma", "mais", "mas", "me",
    "mein", "meine", "mes", "meu", "mi", "minha", "mit", "mon", "muy", "más", "nada", "ne",
    "nicht", "no", "noch", "non", "nous", "não", "o", "os", "ou", "par", "para", "pas", "per",
    "pero", "plus", "por", "porque", "pour", "que", "qui", "sa", "schon", "se", "ser", "si",
    "sie", "son", "sono", "su", "suis", "sur", "tengo", "ti", "todo", "très", "tu", "um", "uma",
    "un", "una", "und", "une", "unos", "uns", "von", "vous", "was", "wie", "wir", "y", "ya", "zu",
    "è", "é",
])
# fmt: on
STOP = frozenset(ENGLISH_STOP_WORDS) | CHATTER | FOREIGN


def label_tokens(text: str) -> list[str]:
    """Lower-case terms of a post for labels: no handles, hashtags, links or stop words; like
    triage, only the first MAX_TEXT_CHARS characters are read (hostile input stays cheap)."""
    text = _URL.sub(" ", _HANDLE.sub(" ", readable(text).lower()))
    return [t for t in _TERM.findall(text) if len(t) > 1 and t not in STOP]


def _terms_and_pairs(text: str) -> list[str]:
    """Each post's terms and pairs of neighbouring terms ("app crashes", "update 5.2")."""
    words = label_tokens(text)
    return [*words, *(f"{a} {b}" for a, b in pairwise(words) if a != b)]


def distinctive_terms(
    groups: Sequence[Sequence[str]], background: Sequence[str] = (), *, top: int = TOP_TERMS
) -> list[list[str]]:
    """The top terms of each group of texts against the others and the background posts.

    Class-based TF-IDF (as in BERTopic): each group, and the background, is one class; a term
    scores its share of the class's terms times log(1 + average class size / its count over
    every class). Counts are of posts, not repeats within a post, and a term must be in
    MIN_SHARE of the group's posts, so one talkative post cannot name a group.
    """
    if not groups:
        return []
    texts = [text for group in groups for text in group] + list(background)
    owner = np.repeat(np.arange(len(groups) + 1), [len(g) for g in groups] + [len(background)])
    vectorizer = CountVectorizer(analyzer=_terms_and_pairs, binary=True)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no terms at all
        return [[] for _ in groups]
    names = vectorizer.get_feature_names_out()
    member = sparse.csr_matrix(
        (np.ones(len(texts)), (owner, np.arange(len(texts)))), shape=(len(groups) + 1, len(texts))
    )
    per_class = np.asarray((member @ counts).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    average = float(per_class.sum()) / per_class.shape[0]
    term_total = per_class.sum(axis=0)
    idf = np.log1p(average / np.maximum(term_total, 1.0))
    scores = per_class / totals * idf
    out: list[list[str]] = []
    for g, group in enumerate(groups):
        needed = max(2.0, math.ceil(MIN_SHARE * len(group)))
        allowed = per_class[g] >= min(needed, float(len(group)))
        ranked = [i for i in np.argsort(-scores[g], kind="stable") if allowed[i]]
        out.append(_without_repeats([str(names[i]) for i in ranked], top))
    return out


def label_of(terms: Sequence[str], limit: int = LABEL_TERMS) -> str:
    """A short readable name from the top terms: "app crashes · update 5.2"."""
    return " · ".join(_without_repeats(list(terms), limit)) or "unnamed issue"


def _without_repeats(ranked: list[str], top: int) -> list[str]:
    """The best terms, skipping a word already said by a better pair and a pair of said words."""
    chosen: list[str] = []
    for term in ranked:
        words = set(term.split())
        said = {w for c in chosen for w in c.split()}
        if words <= said:
            continue
        if " " in term:
            # A pair that says a chosen single word again replaces it.
            chosen = [c for c in chosen if " " in c or c not in words]
        chosen.append(term)
        if len(chosen) == top:
            break
    return chosen
