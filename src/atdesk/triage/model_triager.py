"""The default triager: shipped models for every SPEC §1 field, vectorised over a batch."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from atdesk.domain.triage import INTENT_PRECEDENCE, Intent, Sentiment, TriageInput, TriageResult
from atdesk.triage.abuse import is_abuse
from atdesk.triage.bundle import TriageBundle, shipped_bundle
from atdesk.triage.entities import extract_entities
from atdesk.triage.intent_model import IntentClassifier, best_labels
from atdesk.triage.language import BatchLanguageIdentifier, language_identifier
from atdesk.triage.priority import decide_priority
from atdesk.triage.spam import is_spam
from atdesk.triage.tokens import tokens

# SPEC §1 precedence: among intents the model finds plausible, the earliest in the list wins.
# "Plausible" means at least this share of the top intent's probability.
PRECEDENCE_SHARE = 0.6
PRECEDENCE_FLOOR = 0.25


# A post that explicitly asks for one of the action intents ("call me", "reschedule my...")
# fits it even when the model prefers another: SPEC precedence then picks the action.
_ACTION_CUES: dict[str, re.Pattern[str]] = {
    Intent.CALLBACK_REQUEST.value: re.compile(
        r"\b(?:call|phone|ring)\s+me\b|\bcall\s*back\b|\bgive\s+me\s+a\s+(?:call|ring)\b",
        re.IGNORECASE,
    ),
    Intent.BOOKING_CHANGE.value: re.compile(
        r"\b(?:reschedul\w*|rebook\w*|(?:cancel|change|move)\s+(?:my|the|our)\s+"
        r"(?:appointment|booking|visit|reservation|flight))\b",
        re.IGNORECASE,
    ),
}


def apply_precedence(
    probs: npt.NDArray[np.float32],
    labels: Sequence[str],
    texts: Sequence[str] | None = None,
) -> list[tuple[str, float]]:
    """(intent, confidence) per row: the first plausible intent in SPEC precedence order.

    With the texts, an explicit request for an action intent also makes it plausible.
    """
    order = [labels.index(i.value) for i in INTENT_PRECEDENCE if i.value in labels]
    ordered = probs[:, order]
    top = ordered.max(axis=1, keepdims=True)
    plausible = (ordered >= np.maximum(top * PRECEDENCE_SHARE, PRECEDENCE_FLOOR)) | (ordered >= top)
    if texts is not None:
        for intent, cue in _ACTION_CUES.items():
            if intent in labels:
                column = [labels[i] for i in order].index(intent)
                for row, text in enumerate(texts):
                    if cue.search(text):
                        plausible[row, column] = True
    first = plausible.argmax(axis=1)
    return [(labels[order[int(col)]], float(ordered[row, col])) for row, col in enumerate(first)]


class ModelTriager:
    """Intent, sentiment, language, spam, abuse, entities, PII and priority for each post."""

    def __init__(
        self,
        bundle: TriageBundle | None = None,
        intent_model: IntentClassifier | None = None,
        languages: BatchLanguageIdentifier | None = None,
    ) -> None:
        self.bundle = bundle or shipped_bundle()
        self.intent_model = intent_model
        self.languages = languages or language_identifier()
        self._sentiments = [Sentiment(label) for label in self.bundle.heads["sentiment"].labels]
        self._offensive_col = self.bundle.heads["offensive"].labels.index("offensive")

    def triage(self, item: TriageInput) -> TriageResult:
        """Label one post."""
        return self.triage_many([item])[0]

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        """Label a batch: features and every model once for the whole batch."""
        if not items:
            return []
        docs = [tokens(item.text) for item in items]
        probs = self.bundle.probabilities(self.bundle.features.transform_tokens(docs))
        if self.intent_model is None:
            labels = self.bundle.heads["intent"].labels
            intents = apply_precedence(probs["intent"], labels, [item.text for item in items])
        else:
            texts = [item.text for item in items]
            custom = self.intent_model.probabilities(texts, docs)
            intents = best_labels(custom, self.intent_model.labels)
        sentiments = probs["sentiment"].argmax(axis=1)
        offensive = probs["offensive"][:, self._offensive_col]
        languages = self.languages.identify([item.text for item in items])
        results = []
        for row, item in enumerate(items):
            intent, confidence = intents[row]
            sentiment = self._sentiments[int(sentiments[row])]
            words = set(docs[row])
            spam = is_spam(item.text, words)
            entities, pii = extract_entities(item.text, item.created_at, item.coordinates, words)
            priority, reasons = decide_priority(
                text=item.text,
                intent=intent,
                sentiment=sentiment,
                followers=item.followers,
                verified=item.verified,
                aimed_at_executive=item.aimed_at_executive,
                spam=spam,
                words=words,
            )
            results.append(
                TriageResult(
                    intent=intent,
                    intent_confidence=confidence,
                    sentiment=sentiment,
                    language=languages[row],
                    spam=spam,
                    abuse=is_abuse(item.text, float(offensive[row]), words),
                    entities=entities,
                    pii=pii,
                    priority=priority,
                    priority_reasons=reasons,
                )
            )
        return results
