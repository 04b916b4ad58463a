"""A text classifier over the city's own service list, for the service-code mapper.

Keywords catch the words a city chose; this catches the rest of how people describe the
same problem ("a big branch came down" is the tree service even without the word "tree"),
by TF-IDF similarity between the report and each service's name, description, keywords and
group. It returns similarities in 0..1, which the mapper weighs against the keywords.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer

from atdesk.integrations.open311.mapping import ClassifierScores
from atdesk.integrations.open311.schemas import Service

_STOP = [  # function words only; the report's nouns are what matters
    "a",
    "an",
    "and",
    "are",
    "at",
    "be",
    "by",
    "can",
    "for",
    "from",
    "has",
    "have",
    "i",
    "in",
    "is",
    "it",
    "its",
    "my",
    "near",
    "of",
    "on",
    "or",
    "our",
    "out",
    "please",
    "the",
    "there",
    "this",
    "to",
    "was",
    "we",
    "with",
    "you",
    "your",
]


def service_classifier(services: Sequence[Service]) -> ClassifierScores:
    """Similarity of a text to each service, as `ServiceCodeMapper` wants a classifier."""
    codes = [s.service_code for s in services]
    documents = [
        " ".join(
            part
            for part in (s.service_name, s.description or "", " ".join(s.keywords), s.group or "")
            if part
        )
        for s in services
    ]
    if not documents or not any(d.strip() for d in documents):
        return lambda _text: {}
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, stop_words=_STOP, strip_accents="unicode"
    )
    matrix = vectorizer.fit_transform(documents)

    def scores(text: str) -> Mapping[str, float]:
        query = vectorizer.transform([text])
        if query.nnz == 0:
            return {}
        sims = (matrix @ query.T).toarray().ravel()
        return {code: float(sim) for code, sim in zip(codes, sims, strict=True) if sim > 0}

    return scores
