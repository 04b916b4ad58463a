"""Retrieval over a brand's knowledge base: which article answers this question, how surely.

Each article is indexed as several short documents (its title, each sample question, its
body). Two similarities compare a question with them: TF-IDF over words and word pairs (the
best document's cosine) and the shipped distilled word vectors (the nearest document, and
the centre of the article's phrasings), which match a paraphrase that shares no word. A
calibrated logistic blend of the three ranks the articles and is the confidence the bot's
threshold is set on: the measured chance that the article is the right answer (ADR 58).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.bot.confidence import CALIBRATION, Calibration, FloatMatrix
from atdesk.automations.bot.meaning import MeaningSimilarity
from atdesk.automations.bot.words import WordSimilarity
from atdesk.automations.engine.hooks import NotPrepared
from atdesk.models import KbArticle
from atdesk.triage.features import STATIC_VECTORS_FILE, shipped_static_vectors
from atdesk.triage.static_vectors import StaticVectors

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
    """An article for a question: the confidence (0..1) and the similarities behind it."""

    article: Article
    score: float
    words: float = 0.0
    meaning: float = 0.0


@dataclass(frozen=True, slots=True)
class Signals:
    """Every article's similarities to some questions (rows: questions, columns: articles)."""

    words: FloatMatrix
    nearest: FloatMatrix
    centre: FloatMatrix


def clean_question(text: str) -> str:
    """The question without @mentions and links, which say nothing about the topic."""
    return " ".join(_MENTION.sub(" ", text).split())


def questions_of(raw: str) -> tuple[str, ...]:
    """Sample questions are stored one per line."""
    return tuple(line.strip() for line in raw.splitlines() if line.strip())


def knowledge_vectors() -> StaticVectors:
    """The word vectors triage ships (loaded once); without them the confidence means nothing."""
    vectors = shipped_static_vectors()
    if vectors is None:
        raise RuntimeError(f"{STATIC_VECTORS_FILE} is missing: reinstall atdesk to restore it")
    return vectors


class KnowledgeIndex:
    """An index over a fixed set of articles; build a new one when articles change."""

    def __init__(
        self,
        articles: Sequence[Article],
        *,
        vectors: StaticVectors | None = None,
        calibration: Calibration = CALIBRATION,
    ) -> None:
        self.articles = list(articles)
        self.calibration = calibration
        documents: list[str] = []
        starts: list[int] = []
        phrasings: list[int] = []
        for article in self.articles:
            starts.append(len(documents))
            # The title always comes first (even blank), so every article owns a document.
            texts = [t for t in article.questions if t.strip()]
            documents += [article.title, *texts]
            phrasings.append(1 + len(texts))
            if article.body.strip():
                documents.append(article.body)
        self.words = WordSimilarity(documents, starts)
        self.meaning = MeaningSimilarity(
            vectors or knowledge_vectors(), documents, starts, phrasings
        )

    def signals(self, questions: Sequence[str]) -> Signals:
        """The similarities of cleaned questions with every article, in article order."""
        cleaned = [clean_question(q) for q in questions]
        nearest, centre = self.meaning.scores(cleaned)
        return Signals(self.words.scores(cleaned), nearest, centre)

    def best(self, question: str) -> Match | None:
        """The best article, or None when the index is empty or the question has no words."""
        ranked = self.rank(question, limit=1)
        return ranked[0] if ranked else None

    def rank(self, question: str, *, limit: int = 3) -> list[Match]:
        """Articles by confidence; ties go to the earlier article (the lower id)."""
        if not self.articles:
            return []
        signals = self.signals([question])
        words, nearest, centre = signals.words[0], signals.nearest[0], signals.centre[0]
        if not words.any() and not nearest.any():
            return []  # nothing in the question is a known word
        logits = self.calibration.logits(words, nearest, centre)
        confidence = self.calibration.confidence(words, nearest, centre)
        order = np.argsort(-logits, kind="stable")[:limit]
        return [
            Match(self.articles[i], float(confidence[i]), float(words[i]), float(nearest[i]))
            for i in order
        ]


class NotBuilt(NotPrepared):
    """A brand's index was wanted as already built (a staged caller built it before its write
    transaction, ADR 78), but its articles changed since."""


IndexKey = tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A brand's enabled articles as read in one transaction, and what identifies that set."""

    brand_id: int
    key: IndexKey
    articles: tuple[Article, ...]


class _IndexCache:
    """One index per brand, rebuilt when any of its articles changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[IndexKey, KnowledgeIndex]] = {}

    def snapshot(self, session: Session, brand_id: int) -> Snapshot:
        """Read the brand's articles (a short read; building the index is separate)."""
        rows = session.scalars(
            select(KbArticle)
            .where(KbArticle.brand_id == brand_id, KbArticle.enabled.is_(True))
            .order_by(KbArticle.id)
        ).all()
        return Snapshot(
            brand_id,
            tuple((r.id, r.updated_at.isoformat()) for r in rows),
            tuple(Article(r.id, r.title, r.body, questions_of(r.questions)) for r in rows),
        )

    def built(self, snapshot: Snapshot) -> KnowledgeIndex | None:
        """The cached index for exactly these articles, if there is one."""
        with self._lock:
            hit = self._entries.get(snapshot.brand_id)
        return hit[1] if hit is not None and hit[0] == snapshot.key else None

    def build(self, snapshot: Snapshot) -> KnowledgeIndex:
        """The index for these articles, built now (vectors for every phrasing) unless cached."""
        index = self.built(snapshot)
        if index is None:
            index = KnowledgeIndex(list(snapshot.articles))
            with self._lock:
                self._entries[snapshot.brand_id] = (snapshot.key, index)
        return index

    def for_brand(self, session: Session, brand_id: int, *, build: bool = True) -> KnowledgeIndex:
        """The brand's current index; with build=False one built beforehand, or NotBuilt."""
        snapshot = self.snapshot(session, brand_id)
        if build:
            return self.build(snapshot)
        index = self.built(snapshot)
        if index is None:
            raise NotBuilt(f"the knowledge base of brand {brand_id} changed since it was indexed")
        return index


INDEXES = _IndexCache()
