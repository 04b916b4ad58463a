"""The default triager: shipped models for every SPEC §1 field, vectorised over a batch."""

from __future__ import annotations

import gc
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from atdesk.domain.triage import INTENT_PRECEDENCE, Intent, Sentiment, TriageInput, TriageResult
from atdesk.triage import abuse, entities, priority, spam
from atdesk.triage.abuse import is_abuse
from atdesk.triage.bundle import TriageBundle, shipped_bundle
from atdesk.triage.entities import extract_entities
from atdesk.triage.intent_model import IntentClassifier, best_labels
from atdesk.triage.language import BatchLanguageIdentifier, language_identifier
from atdesk.triage.priority import decide_priority, safety_words
from atdesk.triage.spam import flooded_rows, is_spam
from atdesk.triage.token_table import TokenTable
from atdesk.triage.tokens import WordFinder, readable, tokens

# SPEC §1 precedence: among intents the model finds plausible, the earliest in the list wins.
# "Plausible" means at least this share of the top intent's probability.
PRECEDENCE_SHARE = 0.6
PRECEDENCE_FLOOR = 0.25
# Batches up to this size take the per-text feature path (same numbers, less set-up).
SMALL_BATCH = 8


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


# Each cue's pattern can only match a text that holds one of these (case-insensitively), so
# the pattern runs only then. Under IGNORECASE four non-ASCII letters also match ASCII ones.
_CUE_GATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Intent.CALLBACK_REQUEST.value: (("call", "phone", "ring"), ()),
    Intent.BOOKING_CHANGE.value: (
        ("reschedul", "rebook", "cancel", "change", "move"),
        ("reschedul", "rebook", "appointment", "booking", "visit", "reservation", "flight"),
    ),
}
# Tokens that some rule (spam, threats, priority, entities and dates) looks for: a post's
# rules see only these of its words, which gives them the same answers as all its words.
NOTABLE_WORDS = spam.GATE_WORDS | abuse.GATE_WORDS | priority.GATE_WORDS | entities.GATE_WORDS


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
        finder = WordFinder(texts)
        for intent, cue in _ACTION_CUES.items():
            if intent in labels:
                column = [labels[i] for i in order].index(intent)
                first, second = _CUE_GATES[intent]
                rows = finder.rows(first)
                if second:
                    rows &= finder.rows(second)
                for row in sorted(rows):
                    if cue.search(texts[row]):
                        plausible[row, column] = True
    first = plausible.argmax(axis=1)
    names = [labels[i] for i in order]
    confidences = ordered[np.arange(len(first)), first].tolist()
    return [(names[col], confidences[row]) for row, col in enumerate(first.tolist())]


def _safety_rows(texts: Sequence[str], notable: Sequence[frozenset[str] | set[str]]) -> list[int]:
    """Rows whose text holds danger, fraud or threat words (priority.safety_words)."""
    return [row for row, text in enumerate(texts) if safety_words(text, notable[row]) is not None]


def _not_praise(
    current: tuple[str, float],
    row: npt.NDArray[np.float32],
    labels: Sequence[str],
    text: str,
    precedence: bool,
) -> tuple[str, float]:
    """The best reading other than praise, with that label's own probability as confidence."""
    praise = Intent.PRAISE.value
    if current[0] != praise or praise not in labels:
        return current
    masked = row.astype(np.float32)
    masked[labels.index(praise)] = 0.0
    if masked.sum() <= 0.0:
        masked[:] = 1.0
        masked[labels.index(praise)] = 0.0
    masked = (masked / masked.sum())[None, :]
    chosen = (apply_precedence if precedence else _best)(masked, labels, [text])[0][0]
    return chosen, float(row[labels.index(chosen)])


def _best(
    probs: npt.NDArray[np.float32], labels: Sequence[str], texts: Sequence[str]
) -> list[tuple[str, float]]:
    """best_labels with apply_precedence's signature."""
    return best_labels(probs, labels)


def _not_positive(
    current: int, row: npt.NDArray[np.float32], sentiments: Sequence[Sentiment]
) -> int:
    """The more probable of negative and neutral when the model said positive."""
    if sentiments[current] is not Sentiment.POSITIVE:
        return current
    masked = row.astype(np.float32)
    masked[current] = -1.0
    return int(masked.argmax())


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
        self.tokens = TokenTable(self.bundle.features, NOTABLE_WORDS)
        # SPEC §1's precedence for the shipped head and for a retrained one with SPEC labels
        # (it says so); a brand's own taxonomy has no precedence: its top label wins.
        self.spec_precedence = intent_model is None or bool(
            getattr(intent_model, "spec_precedence", False)
        )

    def triage(self, item: TriageInput) -> TriageResult:
        """Label one post."""
        return self.triage_many([item])[0]

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        """Label a batch: tokens, features and every model once for the whole batch.

        The cycle collector is paused meanwhile: a batch makes about ten container objects
        per post (result, entities, lists), none in a cycle, and collections triggered by them
        would walk every young object again and again (about a tenth of the batch's time).
        """
        if not items:
            return []
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._triage_many(items)
        finally:
            if paused:
                gc.enable()

    def _triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        texts = [readable(item.text) for item in items]  # every model and rule reads these
        notable: Sequence[frozenset[str] | set[str]]
        flooded: set[int] | None = None  # None: each post is checked on its own
        if len(texts) <= SMALL_BATCH:  # per text: cheaper than setting up numpy arrays
            docs = [tokens(text) for text in texts]
            features = self.bundle.features.transform_tokens(docs)
            notable = [NOTABLE_WORDS.intersection(doc) for doc in docs]
        else:
            batch = self.tokens.encode(texts)
            features = self.tokens.features(batch)
            notable = self.tokens.notable_words(batch)
            flooded = flooded_rows(texts)
            docs = self.tokens.docs(batch) if self.intent_model is not None else []
        probs = self.bundle.probabilities(features)
        precedence = self.spec_precedence
        if self.intent_model is None:
            labels = self.bundle.heads["intent"].labels
            intent_probs = probs["intent"]
        else:
            labels = self.intent_model.labels
            intent_probs = self.intent_model.probabilities(texts, docs)
        if precedence:
            intents = apply_precedence(intent_probs, labels, texts)
        else:
            intents = best_labels(intent_probs, labels)
        sentiment_of = self._sentiments
        sentiments = probs["sentiment"].argmax(axis=1).tolist()
        for row in _safety_rows(texts, notable):  # no model talks danger or crime down
            intents[row] = _not_praise(
                intents[row], intent_probs[row], labels, texts[row], precedence
            )
            sentiments[row] = _not_positive(sentiments[row], probs["sentiment"][row], sentiment_of)
        offensive = probs["offensive"][:, self._offensive_col].tolist()
        languages = self.languages.identify(texts)
        results = []
        for row, item in enumerate(items):
            intent, confidence = intents[row]
            sentiment = sentiment_of[sentiments[row]]
            text, words = texts[row], notable[row]
            is_spam_post = is_spam(text, words, None if flooded is None else row in flooded)
            found, pii = extract_entities(text, item.created_at, item.coordinates, words)
            level, reasons = decide_priority(
                text=text,
                intent=intent,
                sentiment=sentiment,
                followers=item.followers,
                verified=item.verified,
                aimed_at_executive=item.aimed_at_executive,
                spam=is_spam_post,
                words=words,
            )
            results.append(
                TriageResult(
                    intent=intent,
                    intent_confidence=confidence,
                    sentiment=sentiment,
                    language=languages[row],
                    spam=is_spam_post,
                    abuse=is_abuse(text, offensive[row], words),
                    entities=found,
                    pii=pii,
                    priority=level,
                    priority_reasons=reasons,
                )
            )
        return results
