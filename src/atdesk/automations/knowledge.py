"""Retrieval over a brand's knowledge base: which article answers this question, how surely.

Each article is indexed as several short documents (its title, each sample question, its
body) with TF-IDF over words and word pairs; an article's score is its best document's
cosine similarity with the question. Short questions match short phrasings far better than
one long concatenated document would, and the score stays an honest 0..1 similarity that a
threshold can be set on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import KbArticle

# Function words only: sklearn's English list also drops "bill", "call" and "fire", which
# are exactly what customers write about.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "hi",
        "hello",
        "hey",
        "how",
        "i",
        "i'm",
        "if",
        "in",
        "into",
        "is",
        "it",
        "it's",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "than",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
_MENTION = re.compile(r"(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?|https?://\S+")


@dataclass(frozen=True, slots=True)
class Article:
    """An article as the index sees it."""

    id: int
    title: str
    body: str
    questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """The best article for a question and its similarity (0..1)."""

    article: Article
    score: float


def clean_question(text: str) -> str:
    """The question without @mentions and links, which say nothing about the topic."""
    return " ".join(_MENTION.sub(" ", text).split())


def questions_of(raw: str) -> tuple[str, ...]:
    """Sample questions are stored one per line."""
    return tuple(line.strip() for line in raw.splitlines() if line.strip())


class KnowledgeIndex:
    """An index over a fixed set of articles; build a new one when articles change."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = list(articles)
        documents: list[str] = []
        owners: list[int] = []
        for index, article in enumerate(self.articles):
            for text in (article.title, *article.questions, article.body):
                if text.strip():
                    documents.append(text)
                    owners.append(index)
        self._owners = np.array(owners, dtype=np.int64)
        self._vectorizer: TfidfVectorizer | None = None
        if documents:
            self._vectorizer = TfidfVectorizer(
                ngram_range=(1, 2),
                sublinear_tf=True,
                lowercase=True,
                strip_accents="unicode",
                stop_words=sorted(STOP_WORDS),
            )
            self._matrix = self._vectorizer.fit_transform(documents)

    def best(self, question: str) -> Match | None:
        """The best article, or None when the index is empty or nothing overlaps."""
        ranked = self.rank(question, limit=1)
        return ranked[0] if ranked else None

    def rank(self, question: str, *, limit: int = 3) -> list[Match]:
        """Articles by their best document's cosine similarity with the question."""
        if self._vectorizer is None:
            return []
        query = self._vectorizer.transform([clean_question(question)])
        if query.nnz == 0:
            return []
        sims = (self._matrix @ query.T).toarray().ravel()
        best = np.zeros(len(self.articles))
        np.maximum.at(best, self._owners, sims)
        order = np.argsort(-best, kind="stable")[:limit]
        return [Match(self.articles[i], float(best[i])) for i in order if best[i] > 0]


class _IndexCache:
    """One index per brand, rebuilt when any of its articles changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[tuple[tuple[int, str], ...], KnowledgeIndex]] = {}

    def for_brand(self, session: Session, brand_id: int) -> KnowledgeIndex:
        rows = session.scalars(
            select(KbArticle)
            .where(KbArticle.brand_id == brand_id, KbArticle.enabled.is_(True))
            .order_by(KbArticle.id)
        ).all()
        key = tuple((r.id, r.updated_at.isoformat()) for r in rows)
        with self._lock:
            hit = self._entries.get(brand_id)
            if hit is not None and hit[0] == key:
                return hit[1]
        index = KnowledgeIndex(
            [Article(r.id, r.title, r.body, questions_of(r.questions)) for r in rows]
        )
        with self._lock:
            self._entries[brand_id] = (key, index)
        return index


INDEXES = _IndexCache()
