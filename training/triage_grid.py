"""Sweep intent or sentiment choices: features once, then several heads on them.

    .venv/bin/python training/triage_grid.py intent --char-max 0 --c 1 2 5 --prior 0 0.5 1
    .venv/bin/python training/triage_grid.py sentiment --c 0.25 0.5 1

Scores on the yardstick's validation half and on the corpus's held-out split only.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import corpora  # noqa: E402
from atdesk.triage.evaluation import score  # noqa: E402
from atdesk.triage.features import Features, FeatureSet, shipped_static_vectors  # noqa: E402
from atdesk.triage.lexicon import vader_lexicon  # noqa: E402
from atdesk.triage.linear import LinearHead, fit_head  # noqa: E402
from atdesk.triage.model_triager import apply_precedence  # noqa: E402
from atdesk.triage.ngrams import NgramFeaturizer  # noqa: E402
from atdesk.triage.tokens import tokens  # noqa: E402
from customer_posts import load_posts, share_of, split_posts  # noqa: E402

# Label counts of the older twcs intent dev set (training/dev/twcs_intent_dev.csv, 259 real
# inbound tweets): how often each intent occurs among real posts, smoothed.
REAL_INTENT_COUNTS = {
    "other": 66, "technical_issue": 51, "praise": 46, "complaint": 40, "question": 26,
    "billing": 11, "order_delivery": 10, "account_access": 5, "booking_change": 2,
    "callback_request": 1, "field_report": 1,
}  # fmt: skip


def predict(
    head: LinearHead, task: str, features: Features, texts: list[str]
) -> list[tuple[str, float]]:
    """(label, confidence) per row: SPEC precedence for intents, the top label otherwise."""
    probs = head.probabilities(features)
    if task == "intent":
        return apply_precedence(probs, head.labels, texts)
    return [(head.labels[int(i)], float(probs[r, i])) for r, i in enumerate(probs.argmax(1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=["intent", "sentiment"])
    parser.add_argument("--char-max", type=int, default=0)
    parser.add_argument("--dense-scale", type=float, default=1.0)
    parser.add_argument("--c", type=float, nargs="+", default=[2.0])
    parser.add_argument("--prior", type=float, nargs="+", default=[0.0])
    parser.add_argument("--public", type=int, default=1)
    parser.add_argument("--team-weight", type=int, default=2)
    parser.add_argument("--tweeteval", type=int, default=1)
    parser.add_argument(
        "--tweeteval-test", type=float, default=0.0, help="share of TweetEval test to train on"
    )
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more corpus CSVs")
    parser.add_argument("--balanced", type=int, default=0)
    parser.add_argument("--context", type=int, default=0)
    args = parser.parse_args()
    from intent_mapping import public_intent_examples
    from team_examples import load_team_rows

    yardstick = importlib.import_module("training.eval_yardstick")  # a package module
    load, calibration_error = yardstick.load, yardstick.calibration_error

    train_posts, held_posts = split_posts(load_posts(*args.extra))
    team = load_team_rows()
    items = load("validation")

    def with_context(text: str, previous: str | None) -> list[str]:
        doc = tokens(text)
        if args.context and previous:
            doc += ["ctx_" + t for t in tokens(previous) if t.isalpha()]
        return doc

    if args.task == "intent":
        rows = [(with_context(p.text, p.previous), p.intent) for p in train_posts]
        rows += [(tokens(r["text"]), r["intent"]) for r in team] * args.team_weight
        if args.public:
            rows += [(tokens(t), y) for t, y in public_intent_examples()]
    else:
        rows = [(with_context(p.text, p.previous), p.sentiment) for p in train_posts]
        rows += [(tokens(r["text"]), r["sentiment"]) for r in team] * args.team_weight
        if args.tweeteval:
            rows += [(tokens(t), y) for t, y in corpora.tweeteval("sentiment", "val")]
        if args.tweeteval_test:
            rows += [
                (tokens(t), y)
                for t, y in corpora.tweeteval("sentiment", "test")
                if share_of(t) < args.tweeteval_test
            ]
    docs = [d for d, _ in rows]
    labels = [y for _, y in rows]
    ngrams = NgramFeaturizer(char_max=args.char_max, min_df=2).fit(docs)
    fs = FeatureSet(ngrams, shipped_static_vectors(), args.dense_scale, vader_lexicon())
    train = fs.transform_tokens(docs)
    val_docs = [with_context(i.text, i.previous) for i in items]
    val = fs.transform_tokens(val_docs)
    held = fs.transform_tokens([with_context(p.text, p.previous) for p in held_posts])
    counts = Counter(labels)
    print(f"{args} rows={len(rows)} ngrams={ngrams.size} {dict(counts)}", flush=True)
    for c in args.c:
        head = fit_head(
            train, labels, method="logreg", c=c, class_weight="balanced" if args.balanced else None
        )
        for prior in args.prior if args.task == "intent" else [0.0]:
            shift = np.zeros(len(head.labels), dtype=np.float32)
            if prior:
                total_real = sum(REAL_INTENT_COUNTS.values()) + 2 * len(head.labels)
                for k, label in enumerate(head.labels):
                    real = (REAL_INTENT_COUNTS.get(label, 0) + 2) / total_real
                    seen = counts[label] / len(labels)
                    shift[k] = prior * (np.log(real) - np.log(seen))
            head.bias = head.bias + shift

            got = predict(head, args.task, val, [i.text for i in items])
            gold = [getattr(i, args.task) for i in items]
            result = score(gold, [p for p, _ in got])
            ece = calibration_error(
                [q for _, q in got], [g == p for g, (p, _) in zip(gold, got, strict=True)]
            )
            held_gold = [getattr(p, args.task) for p in held_posts]
            held_got = predict(head, args.task, held, [p.text for p in held_posts])
            held_score = score(held_gold, [p for p, _ in held_got])
            print(
                f"  C={c:<5} prior={prior:<4} val acc {result.accuracy:.3f} "
                f"mF1 {result.macro_f1:.3f} ECE(T=1) {ece:.3f} "
                f"| held acc {held_score.accuracy:.3f}",
                flush=True,
            )
            if args.task == "intent":
                wrong = Counter((g, p) for g, (p, _) in zip(gold, got, strict=True) if g != p)
                print("     ", wrong.most_common(5), flush=True)
            head.bias = head.bias - shift


if __name__ == "__main__":
    main()
