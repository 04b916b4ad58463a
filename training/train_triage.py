"""Train the shipped triage models and print their held-out scores.

    .venv/bin/python training/train_triage.py            # train, evaluate, write artifacts
    .venv/bin/python training/train_triage.py --dry-run  # train and evaluate only

Training data (all may train a shipped model; see docs/triage.md for licences):
- intent: the team's own examples (training/data/team_examples.csv) plus BANKING77, CLINC150,
  Bitext and NLU++ examples whose intents map clearly onto SPEC §1 (training/intent_mapping.py);
- sentiment: TweetEval sentiment validation split (its train split has no text here) and the
  team's examples, with VADER's lexicon (MIT) as six dense features;
- offensive (feeds the abuse flag): TweetEval offensive train split.
Evaluation (never trained on): the team's labelled twcs dev set (ids + labels only, text read
from ../shared/data), ericsson twcs topic labels mapped where clear, TweetEval sentiment test,
the 300 labelled AmazonHelp tweets, TweetEval offensive test. VADER and the keyword baseline
are scored on the same data in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import corpora  # noqa: E402
from atdesk.domain.triage import TriageInput  # noqa: E402
from atdesk.triage.baseline import RulesTriager  # noqa: E402
from atdesk.triage.bundle import BUNDLE_FILE, MANIFEST_FILE, TriageBundle  # noqa: E402
from atdesk.triage.evaluation import Scores, score  # noqa: E402
from atdesk.triage.features import Features, FeatureSet, shipped_static_vectors  # noqa: E402
from atdesk.triage.lexicon import vader_lexicon  # noqa: E402
from atdesk.triage.linear import fit_head, fit_temperature  # noqa: E402
from atdesk.triage.model_triager import apply_precedence  # noqa: E402
from atdesk.triage.ngrams import NgramFeaturizer  # noqa: E402
from atdesk.triage.tokens import tokens  # noqa: E402
from intent_mapping import public_intent_examples  # noqa: E402
from team_examples import load_team_rows  # noqa: E402

VERSION = "triage-2026.11.1"
DEV_FILE = ROOT / "training" / "dev" / "twcs_intent_dev.csv"
TEAM_WEIGHT = 6
ERICSSON_TO_INTENT = {
    "Delivery": "order_delivery",
    "Return": "order_delivery",
    "Replacement": "order_delivery",
    "Packaging": "order_delivery",
    "Order Cancellation": "order_delivery",
    "Refund": "billing",
    "Billing/Payment": "billing",
    "Bad Support": "complaint",
    "Service Praise": "praise",
    "Unresponsive/Freezing Device": "technical_issue",
    "Battery": "technical_issue",
}
PRECEDENCE = [
    "callback_request", "booking_change", "field_report", "account_access", "billing",
    "order_delivery", "technical_issue", "question", "complaint", "praise", "other",
]  # fmt: skip


def intent_data() -> tuple[list[str], list[str]]:
    """Team examples (weighted) plus relabelled public examples."""
    team = [(r["text"], r["intent"]) for r in load_team_rows()] * TEAM_WEIGHT
    rows = team + public_intent_examples()
    return [t for t, _ in rows], [y for _, y in rows]


def sentiment_data() -> tuple[list[str], list[str]]:
    """TweetEval sentiment validation split and the team's examples.

    TweetEval emotion (no neutral class) was tried and lowered macro-F1 on both test sets.
    """
    rows = corpora.tweeteval("sentiment", "val")
    rows += [(r["text"], r["sentiment"]) for r in load_team_rows()] * TEAM_WEIGHT
    held_out = {t for t, _ in corpora.tweeteval("sentiment", "test")}
    rows = [(t, y) for t, y in rows if t not in held_out]
    return [t for t, _ in rows], [y for _, y in rows]


def offensive_data() -> tuple[list[str], list[str]]:
    """TweetEval offensive training split, labels offensive / not-offensive."""
    rows = corpora.tweeteval("offensive", "train")
    return [t for t, _ in rows], [y for _, y in rows]


def twcs_texts() -> dict[str, tuple[str, str]]:
    """tweet_id -> (text, created_at) for the whole twcs sample (evaluation only)."""
    path = corpora.data_dir() / "twcs" / "twcs_merged.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["tweet_id"]: (r["text"], r["created_at"]) for r in csv.DictReader(handle)}


def dev_set() -> tuple[list[str], list[str]]:
    """The team's labelled real tweets: ids + labels in the repo, text from shared data."""
    texts = twcs_texts()
    with DEV_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [texts[r["tweet_id"]][0] for r in rows], [r["intent"] for r in rows]


def ericsson_set() -> tuple[list[str], list[str]]:
    """Ericsson topic labels on twcs tweets, mapped to SPEC intents where the mapping is clear."""
    path = corpora.data_dir() / "twcs" / "labeled" / "ericsson_inbound_topics_600.csv"
    texts, gold = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels = [x for x in row["labels"].split(";") if x]
            if "Account" in labels:
                continue
            mapped = {ERICSSON_TO_INTENT[x] for x in labels if x in ERICSSON_TO_INTENT}
            if mapped:
                texts.append(row["text"])
                gold.append(min(mapped, key=PRECEDENCE.index))
    return texts, gold


def amazonhelp_set() -> tuple[list[str], list[str]]:
    """The 300 AmazonHelp tweets with sentiment labels (evaluation only)."""
    path = corpora.data_dir() / "twcs" / "labeled" / "hassanj47_amazonhelp_sentiment300.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def vader_labels(texts: list[str]) -> list[str]:
    """VADER's standard reading of its compound score (±0.05)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        out.append(
            "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        )
    return out


def split_calibration(n: int, share: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers to fit on and to calibrate confidences on."""
    held = np.random.default_rng(seed).random(n) < share
    return np.flatnonzero(~held), np.flatnonzero(held)


def take_rows(features: Features, rows: np.ndarray) -> Features:
    """A subset of a batch's features."""
    return Features(features.sparse[rows], features.dense[rows])


def train(
    c_intent: float, c_sentiment: float, c_offensive: float, dense_scale: float, char_max: int
) -> TriageBundle:
    """Fit the shared featurizer and the three heads."""
    data = {"intent": intent_data(), "sentiment": sentiment_data(), "offensive": offensive_data()}
    for name, (texts, labels) in data.items():
        print(f"{name}: {len(texts)} examples {dict(Counter(labels))}")
    every_text = list(dict.fromkeys(t for texts, _ in data.values() for t in texts))
    docs = {t: tokens(t) for t in every_text}
    ngrams = NgramFeaturizer(char_max=char_max, min_df=2).fit([docs[t] for t in every_text])
    feature_set = FeatureSet(ngrams, shipped_static_vectors(), dense_scale, vader_lexicon())
    print(f"features: {ngrams.size} n-grams, {feature_set.dense_dim} dense")
    heads = {}
    costs = {"intent": c_intent, "sentiment": c_sentiment, "offensive": c_offensive}
    for name, (texts, labels) in data.items():
        features = feature_set.transform_tokens([docs[t] for t in texts])
        fit_rows, cal_rows = split_calibration(len(texts))
        weight = "balanced" if name == "sentiment" else None
        probe = fit_head(
            take_rows(features, fit_rows),
            [labels[i] for i in fit_rows],
            method="logreg",
            c=costs[name],
            class_weight=weight,
        )
        temperature = fit_temperature(
            probe, take_rows(features, cal_rows), [labels[i] for i in cal_rows]
        )
        heads[name] = fit_head(
            features, labels, method="logreg", c=costs[name], class_weight=weight
        )
        heads[name].temperature = temperature
        print(f"{name}: temperature {temperature:.3f}")
    vectors = feature_set.vectors
    manifest: dict[str, Any] = {
        "version": VERSION,
        "static_vectors": vectors.version if vectors is not None else None,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {
            "intent": "team examples (training/data/team_examples.csv), BANKING77 (CC BY 4.0), "
            "CLINC150 (CC BY 3.0), Bitext customer support (CDLA-Sharing 1.0), NLU++ (CC BY 4.0)",
            "sentiment": "TweetEval sentiment val, team examples, VADER lexicon (MIT)",
            "offensive": "TweetEval offensive train (OffensEval 2019)",
        },
    }
    return TriageBundle(feature_set, heads, manifest)


def evaluate(bundle: TriageBundle) -> dict[str, Any]:
    """Held-out scores of every head beside its floor, printed and returned."""
    metrics: dict[str, Any] = {}
    rules = RulesTriager()

    def intents_of(texts: list[str]) -> list[str]:
        probs = bundle.probabilities(bundle.features.transform(texts))
        return [
            label
            for label, _ in apply_precedence(probs["intent"], bundle.heads["intent"].labels, texts)
        ]

    def argmax_of(head: str, texts: list[str]) -> list[str]:
        probs = bundle.probabilities(bundle.features.transform(texts))[head]
        return [bundle.heads[head].labels[int(i)] for i in probs.argmax(axis=1)]

    def report(key: str, name: str, gold: list[str], predictions: dict[str, list[str]]) -> None:
        metrics[key] = {}
        for system, predicted in predictions.items():
            result: Scores = score(gold, predicted)
            metrics[key][system] = {
                "accuracy": round(result.accuracy, 4),
                "macro_f1": round(result.macro_f1, 4),
                "n": result.count,
            }
            print(f"{name:<34} {system:<10} n={result.count:<6} {result.line()}")

    texts, gold = dev_set()
    rule_intents = [r.intent for r in rules.triage_many([TriageInput(text=t) for t in texts])]
    report(
        "intent_twcs_dev",
        "intent, twcs dev (team labels)",
        gold,
        {"model": intents_of(texts), "rules": rule_intents},
    )
    texts, gold = ericsson_set()
    rule_intents = [r.intent for r in rules.triage_many([TriageInput(text=t) for t in texts])]
    report(
        "intent_ericsson_mapped",
        "intent, ericsson topics mapped",
        gold,
        {"model": intents_of(texts), "rules": rule_intents},
    )

    test = corpora.tweeteval("sentiment", "test")
    texts, gold = [t for t, _ in test], [y for _, y in test]
    report(
        "sentiment_tweeteval_test",
        "sentiment, TweetEval test",
        gold,
        {"model": argmax_of("sentiment", texts), "vader": vader_labels(texts)},
    )
    texts, gold = amazonhelp_set()
    report(
        "sentiment_amazonhelp300",
        "sentiment, AmazonHelp 300",
        gold,
        {"model": argmax_of("sentiment", texts), "vader": vader_labels(texts)},
    )

    test = corpora.tweeteval("offensive", "test")
    texts, gold = [t for t, _ in test], [y for _, y in test]
    report(
        "offensive_tweeteval_test",
        "offensive, TweetEval test",
        gold,
        {"model": argmax_of("offensive", texts)},
    )
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the shipped triage models.")
    parser.add_argument("--dry-run", action="store_true", help="evaluate without writing artifacts")
    parser.add_argument("--c-intent", type=float, default=2.0)
    parser.add_argument("--c-sentiment", type=float, default=0.5)
    parser.add_argument("--c-offensive", type=float, default=2.0)
    parser.add_argument("--dense-scale", type=float, default=1.0)
    parser.add_argument("--char-max", type=int, default=0, help="longest character n-gram")
    args = parser.parse_args()
    started = time.perf_counter()
    bundle = train(
        args.c_intent, args.c_sentiment, args.c_offensive, args.dense_scale, args.char_max
    )
    print(f"trained in {time.perf_counter() - started:.1f}s")
    bundle.manifest["metrics"] = evaluate(bundle)
    bundle.manifest["hyperparameters"] = vars(args) | {"team_weight": TEAM_WEIGHT}
    if not args.dry_run:
        bundle.save(BUNDLE_FILE, MANIFEST_FILE)
        print(
            f"wrote {BUNDLE_FILE} ({BUNDLE_FILE.stat().st_size / 1e6:.1f} MB) and {MANIFEST_FILE}"
        )
    print(json.dumps(bundle.manifest["metrics"], indent=None))


if __name__ == "__main__":
    main()
