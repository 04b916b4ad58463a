"""Held-out scores of the shipped models through ModelTriager, the code that serves them.

    .venv/bin/python training/eval_shipped_triage.py

train_triage.py scores the heads it has just fitted, on the reference feature path. This
script loads the shipped artifacts instead and labels the same held-out sets with
`ModelTriager.triage_many` (batch path, precedence and cues, abuse rule), so a change to the
serving code is checked against the numbers in the manifest without retraining:
- intent: the team's twcs dev set and the mapped ericsson topics (accuracy, macro-F1);
- sentiment: TweetEval sentiment test and the AmazonHelp 300 (accuracy, macro-F1);
- offensive head (argmax) on TweetEval offensive test, and the abuse flag's precision and
  recall for the offensive class there.
Each line shows the manifest's figure beside this run's.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import corpora  # noqa: E402
from atdesk.domain.triage import TriageInput  # noqa: E402
from atdesk.triage.evaluation import score  # noqa: E402
from atdesk.triage.model_triager import ModelTriager  # noqa: E402
from train_triage import amazonhelp_set, dev_set, ericsson_set  # noqa: E402

MOMENT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BATCH = 2000


def main() -> None:
    triager = ModelTriager()
    recorded = triager.bundle.manifest.get("metrics", {})

    def labelled(texts: list[str]) -> list[tuple[str, str, bool]]:
        """(intent, sentiment, abuse) per text."""
        out = []
        for start in range(0, len(texts), BATCH):
            items = [TriageInput(text=t, created_at=MOMENT) for t in texts[start : start + BATCH]]
            out += [(r.intent, r.sentiment.value, r.abuse) for r in triager.triage_many(items)]
        return out

    def report(key: str, name: str, gold: list[str], predicted: list[str]) -> None:
        result = score(gold, predicted)
        before = recorded.get(key, {}).get("model", {})
        print(
            f"{name:<34} n={result.count:<6} {result.line()}   manifest: "
            f"accuracy={before.get('accuracy', float('nan')):.4f} "
            f"macro_f1={before.get('macro_f1', float('nan')):.4f}"
        )

    texts, gold = dev_set()
    report("intent_twcs_dev", "intent, twcs dev", gold, [x[0] for x in labelled(texts)])
    texts, gold = ericsson_set()
    report(
        "intent_ericsson_mapped", "intent, ericsson mapped", gold, [x[0] for x in labelled(texts)]
    )
    test = corpora.tweeteval("sentiment", "test")
    texts, gold = [t for t, _ in test], [y for _, y in test]
    report(
        "sentiment_tweeteval_test",
        "sentiment, TweetEval test",
        gold,
        [x[1] for x in labelled(texts)],
    )
    texts, gold = amazonhelp_set()
    report(
        "sentiment_amazonhelp300",
        "sentiment, AmazonHelp 300",
        gold,
        [x[1] for x in labelled(texts)],
    )

    test = corpora.tweeteval("offensive", "test")
    texts, gold = [t for t, _ in test], [y for _, y in test]
    bundle, tokens = triager.bundle, triager.tokens
    labels = bundle.heads["offensive"].labels
    heads = []
    for start in range(0, len(texts), BATCH):
        probs = bundle.probabilities(tokens.features(tokens.encode(texts[start : start + BATCH])))
        heads += [labels[int(i)] for i in probs["offensive"].argmax(axis=1)]
    report("offensive_tweeteval_test", "offensive head, TweetEval test", gold, heads)
    flagged = [x[2] for x in labelled(texts)]
    hits = sum(f and g == "offensive" for f, g in zip(flagged, gold, strict=True))
    print(
        f"{'abuse flag, TweetEval offensive test':<34} n={len(gold):<6} "
        f"precision={hits / max(1, sum(flagged)):.4f} "
        f"recall={hits / max(1, sum(g == 'offensive' for g in gold)):.4f} "
        f"(flagged {sum(flagged)})"
    )


if __name__ == "__main__":
    main()
