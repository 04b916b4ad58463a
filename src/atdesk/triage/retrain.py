"""`atdesk triage retrain`: learn from agents' corrections, promote only a model that is not worse.

Train a candidate on the base corpus plus the training part of the corrections, score it and
the live model on the held-out corrections and on the independent yardstick, and make it live
only when it gets at least as many right as the live model on every set present (ADR 0082).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from atdesk.domain.triage import TriageInput
from atdesk.models import TriageModel
from atdesk.storage.engine import normalise_url
from atdesk.triage.base import Triager
from atdesk.triage.bundle import shipped_bundle
from atdesk.triage.features import FeatureSet
from atdesk.triage.linear import fit_head
from atdesk.triage.ngrams import NgramFeaturizer, word_features
from atdesk.triage.retrain_data import Correction, Examples, checkout_module
from atdesk.triage.retrained import RetrainedIntentModel
from atdesk.triage.tokens import readable, tokens

# Each correction counts as this many corpus posts. It is a real post of the brand's own
# customers, labelled by the agent who answered it, where the corpus is written by the team:
# one copy among ~17,000 examples barely moves a linear head, and a heavier weight lets a few
# agents' slips outvote the corpus (ADR 0082).
CORRECTION_WEIGHT = 5
INTENT_C = 1.0  # as the shipped intent head (training/train_triage.py)
MODELS_SUFFIX = ".models"
VERSION_PREFIX = "retrain:"


@dataclass(frozen=True, slots=True)
class SetScore:
    """Intent accuracy of the live model and the candidate on one evaluation set."""

    name: str
    n: int
    live_correct: int
    candidate_correct: int

    @property
    def live(self) -> float:
        """The live model's accuracy."""
        return self.live_correct / self.n if self.n else 0.0

    @property
    def candidate(self) -> float:
        """The candidate's accuracy."""
        return self.candidate_correct / self.n if self.n else 0.0

    def as_json(self) -> dict[str, Any]:
        """What the triage_models row keeps of it."""
        return {
            "n": self.n,
            "live": round(self.live, 4),
            "candidate": round(self.candidate, 4),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the candidate may replace the live model, and why."""

    promote: bool
    reason: str


@dataclass
class EvaluationSet:
    """Posts with their gold intents, as triage receives them."""

    name: str
    inputs: list[TriageInput]
    gold: list[str]


@dataclass
class RetrainReport:
    """Everything the command prints and the table records."""

    version: str
    brand: str | None
    scores: list[SetScore]
    verdict: Verdict
    notes: list[str] = field(default_factory=list)
    live_version: str = ""
    path: Path | None = None
    live: bool = False


def models_dir_for(database_url: str) -> Path | None:
    """Where retrained models live by default: beside a SQLite file (as its signing key is),
    nowhere for a server database (pass a directory)."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(str(url.database)).resolve()
    return database.with_name(database.name + MODELS_SUFFIX)


def version_name(brand: str | None, now: datetime) -> str:
    """retrain:<brand slug or all>-<UTC time>, short enough for posts.model_version."""
    slug = re.sub(r"[^a-z0-9]+", "-", (brand or "all").lower()).strip("-")[:24] or "brand"
    return f"{VERSION_PREFIX}{slug}-{now:%Y%m%dT%H%M%S}"


def unique_version(session: Session, name: str) -> str:
    """The name, or the name with -2, -3... when a retrain in the same second took it."""
    taken = set(
        session.scalars(select(TriageModel.version).where(TriageModel.version.startswith(name)))
    )
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def extended_ngrams(
    shipped: NgramFeaturizer, docs: Sequence[Sequence[str]], min_df: int = 2
) -> NgramFeaturizer:
    """The shipped vocabulary and idf, plus the corrections' n-grams it lacks.

    A new n-gram (a brand's product name, say) must occur in `min_df` distinct corrected posts;
    it gets the shipped vocabulary's highest idf, since the base data hardly holds it.
    """
    counts: Counter[str] = Counter()
    for doc in docs:
        found = {f for word in doc for f in word_features(word, shipped.char_min, shipped.char_max)}
        if shipped.bigrams:
            found.update(f"b {left} {right}" for left, right in pairwise(doc))
        counts.update(found)
    new = sorted(f for f, n in counts.items() if n >= min_df and f not in shipped.vocabulary)
    vocabulary = dict(shipped.vocabulary)
    for feature in new:
        vocabulary[feature] = len(vocabulary)
    rare = float(shipped.idf.max()) if shipped.idf.size else 1.0
    idf = np.concatenate([shipped.idf, np.full(len(new), rare, dtype=np.float32)])
    return NgramFeaturizer(
        char_min=shipped.char_min,
        char_max=shipped.char_max,
        bigrams=shipped.bigrams,
        min_df=min_df,
        vocabulary=vocabulary,
        idf=idf.astype(np.float32),
    )


def train_candidate(
    base: Examples,
    corrections: Sequence[Correction],
    *,
    version: str,
    now: datetime,
    weight: int = CORRECTION_WEIGHT,
) -> RetrainedIntentModel:
    """The shipped intent head's recipe on the base data plus weighted corrections.

    Same features as the shipped bundle (its n-gram vocabulary and idf, extended by the
    corrections' new n-grams; the distilled word vectors; VADER polarity) and the same head
    (logistic regression, C=1), so with no corrections and the same base data it is the
    shipped head again. The softmax temperature is the shipped head's: it was fitted on
    held-out industries of the same corpus with the same recipe.
    """
    bundle = shipped_bundle()
    corrected = [readable(c.text) for c in corrections]
    texts = [*base.texts, *(corrected * weight)]
    labels = [*base.intents, *([c.intent for c in corrections] * weight)]
    docs = {text: tokens(text) for text in dict.fromkeys(texts)}
    ngrams = extended_ngrams(bundle.features.ngrams, [docs[t] for t in dict.fromkeys(corrected)])
    features = FeatureSet(
        ngrams, bundle.features.vectors, bundle.features.dense_scale, bundle.features.lexicon
    )
    head = fit_head(
        features.transform_tokens([docs[t] for t in texts]), labels, method="logreg", c=INTENT_C
    )
    head.temperature = bundle.heads["intent"].temperature
    meta = {
        "version": version,
        "trained_at": now.isoformat(timespec="seconds"),
        "base_model": bundle.version,
        "examples": {
            "base": len(base.texts),
            "public": base.sources.count("public"),
            "corrections": len(corrections),
            "correction_weight": weight,
            "new_ngrams": ngrams.size - bundle.features.ngrams.size,
        },
        "c": INTENT_C,
    }
    return RetrainedIntentModel(features, head, meta)


def correction_set(held_out: Sequence[Correction], brand: str | None) -> EvaluationSet:
    """The held-out corrections as posts of their brand."""
    return EvaluationSet(
        "held-out corrections",
        [TriageInput(text=c.text, brand=brand) for c in held_out],
        [c.intent for c in held_out],
    )


def yardstick_set(split: str) -> tuple[EvaluationSet | None, str]:
    """The independent yardstick's half read by training/eval_yardstick.py, or why not."""
    module = checkout_module("training.eval_yardstick")
    if module is None:
        return None, "yardstick: not found (training/eval_yardstick.py is in a checkout only)"
    corpora = checkout_module("training.corpora")
    twcs = (corpora.data_dir() if corpora else Path()) / "twcs" / "twcs_merged.csv"
    labels = Path(module.YARDSTICK)
    if not labels.exists() or not twcs.exists():
        missing = labels if not labels.exists() else twcs
        return None, f"yardstick: {missing} is absent; deciding on the corrections alone"
    items = module.load(split)
    return (
        EvaluationSet(
            f"yardstick {split}",
            [TriageInput(text=i.text, created_at=i.created_at) for i in items],
            [i.intent for i in items],
        ),
        f"yardstick: {split} half, {len(items)} real tweets",
    )


def score_set(evaluation: EvaluationSet, live: Triager, candidate: Triager) -> SetScore:
    """Both models through full triage (precedence and safety guard included) on one set."""

    def correct(triager: Triager) -> int:
        results = triager.triage_many(evaluation.inputs)
        return sum(r.intent == g for r, g in zip(results, evaluation.gold, strict=True))

    return SetScore(evaluation.name, len(evaluation.gold), correct(live), correct(candidate))


def decide(scores: Sequence[SetScore]) -> Verdict:
    """Promote only when the candidate is right at least as often as the live model on every
    set (the same posts, so counts compare exactly); no tolerance, so repeated retrains cannot
    drift down a little at a time."""
    worse = [s for s in scores if s.candidate_correct < s.live_correct]
    if worse:
        named = "; ".join(
            f"{s.name} {s.candidate:.3f} < live {s.live:.3f} ({s.candidate_correct} vs "
            f"{s.live_correct} of {s.n})"
            for s in worse
        )
        return Verdict(False, f"kept out: worse on {named}")
    named = ", ".join(f"{s.name} {s.candidate_correct} vs {s.live_correct}" for s in scores)
    return Verdict(True, f"promoted: not worse on any set ({named} right)")


def record(
    session: Session,
    report: RetrainReport,
    brand_id: int | None,
    *,
    now: datetime,
) -> TriageModel:
    """Keep the candidate's row; when promoted it becomes its scope's only live model."""
    if report.verdict.promote:
        scope = (
            TriageModel.brand_id.is_(None) if brand_id is None else TriageModel.brand_id == brand_id
        )
        session.execute(update(TriageModel).where(scope).values(live=False))
    row = TriageModel(
        version=report.version,
        brand_id=brand_id,
        path=str(report.path),
        scores={
            "sets": {s.name: s.as_json() for s in report.scores},
            "verdict": report.verdict.reason,
        },
        live=report.verdict.promote,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row
