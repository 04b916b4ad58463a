"""Choose the city's service code for a field report: configured keywords plus a classifier."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from atdesk.integrations.open311.schemas import Service

# A classifier gives each service code a probability for a text; keywords are then a tiebreak.
ClassifierScores = Callable[[str], Mapping[str, float]]


@dataclass(frozen=True, slots=True)
class ServiceMatch:
    """The chosen service and why, so that an agent can see and correct the choice."""

    service_code: str
    score: float
    keywords: tuple[str, ...]
    classifier_score: float = 0.0


class ServiceCodeMapper:
    """Scores every configured service code against a text; the best one above `min_score` wins.

    Each matched keyword adds one point per word (a phrase like "downed tree" is more specific
    than "tree"); the classifier's probability for a code adds `classifier_weight` times it.
    """

    def __init__(
        self,
        keywords: Mapping[str, Sequence[str]],
        *,
        classifier: ClassifierScores | None = None,
        classifier_weight: float = 2.0,
        min_score: float = 1.0,
    ) -> None:
        self._patterns = {
            code: [(kw, _keyword_pattern(kw)) for kw in words if kw.strip()]
            for code, words in keywords.items()
        }
        self._classifier = classifier
        self._classifier_weight = classifier_weight
        self._min_score = min_score

    @classmethod
    def from_services(
        cls,
        services: Sequence[Service],
        *,
        extra_keywords: Mapping[str, Sequence[str]] | None = None,
        classifier: ClassifierScores | None = None,
        min_score: float = 1.0,
    ) -> ServiceCodeMapper:
        """Start from the city's own keywords and names, plus the brand's configured words."""
        merged: dict[str, list[str]] = {}
        for service in services:
            merged[service.service_code] = [*service.keywords, service.service_name]
        for code, words in (extra_keywords or {}).items():
            merged.setdefault(code, []).extend(words)
        unique = {
            code: list(dict.fromkeys(w.strip().lower() for w in words))
            for code, words in merged.items()
        }
        return cls(unique, classifier=classifier, min_score=min_score)

    def rank(self, text: str) -> list[ServiceMatch]:
        """Every code that scored at all, best first; ties keep the configured order."""
        scores = dict(self._classifier(text)) if self._classifier else {}
        matches = []
        for code, patterns in self._patterns.items():
            hits = tuple(kw for kw, pattern in patterns if pattern.search(text))
            keyword_score = float(sum(len(kw.split()) for kw in hits))
            probability = float(scores.get(code, 0.0))
            total = keyword_score + self._classifier_weight * probability
            if total > 0:
                matches.append(ServiceMatch(code, total, hits, probability))
        order = {code: i for i, code in enumerate(self._patterns)}
        matches.sort(key=lambda m: (-m.score, order[m.service_code]))
        return matches

    def match(self, text: str) -> ServiceMatch | None:
        """The service code to file under, or None: no service fits, so a human should decide."""
        ranked = self.rank(text)
        if not ranked or ranked[0].score < self._min_score:
            return None
        return ranked[0]


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Whole words only ("tree" must not match "street"); a plural s/es is allowed on the last
    # word, and any run of spaces or hyphens between words.
    words = [re.escape(w) for w in re.split(r"[\s\-]+", keyword.strip().lower()) if w]
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<!\w){body}(?:s|es)?(?!\w)", re.IGNORECASE)
