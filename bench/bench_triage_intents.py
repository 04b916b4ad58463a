"""Bring-your-own intents on public benchmarks, through the real `atdesk intents eval` command.

    .venv/bin/python bench/bench_triage_intents.py [--encoder ngrams|minilm] [--only banking77]

- BANKING77: train.csv -> test.csv (77 intents).
- CLINC150: in-scope accuracy trained on the 150 in-scope intents; then one model trained
  with the out-of-scope examples as an `oos` label, scored without and with a confidence
  threshold (chosen on the validation split) that answers `oos` below it: in-scope
  accuracy and out-of-scope recall on the test split.
- ACID: customer_training.csv -> customer_testing.csv (175 intents; evaluation only).
Each line printed is the command's own summary; times are on this machine (2 cores).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ATDESK_DATA_DIR") or ROOT.parent / "shared" / "data")
ATDESK = [sys.executable, "-m", "atdesk.cli"]


def write(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A text,label CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def evaluate(train: Path, test: Path, text: str, label: str, *extra: str) -> str:
    """Run `atdesk intents eval` and return its output."""
    command = [*ATDESK, "intents", "eval", "--train", str(train), "--test", str(test)]
    command += ["--text-col", text, "--label-col", label, *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.strip()


def clinc_out_of_scope(data: dict[str, list[list[str]]], encoder: str) -> str:
    """Train once with `oos` as a label; pick the threshold on val, report test."""
    sys.path.insert(0, str(ROOT / "src"))
    from atdesk.triage.intent_model import IntentClassifier, best_labels, train_intent_model

    def rows(split: str) -> tuple[list[str], list[str]]:
        pairs = [(t, y) for t, y in data[split]] + [(t, "oos") for t, _ in data[f"oos_{split}"]]
        return [t for t, _ in pairs], [y for _, y in pairs]

    texts, labels = rows("train")
    model: IntentClassifier
    if encoder == "minilm":
        from atdesk.triage.embeddings import train_embedding_intent_model

        model = train_embedding_intent_model(texts, labels)
    else:
        model = train_intent_model(texts, labels)

    def scores(split: str, threshold: float) -> tuple[float, float]:
        texts, gold = rows(split)
        answers = [
            "oos" if confidence < threshold else label
            for label, confidence in best_labels(model.probabilities(texts), model.labels)
        ]
        inside = [a == g for a, g in zip(answers, gold, strict=True) if g != "oos"]
        recall = [a == "oos" for a, g in zip(answers, gold, strict=True) if g == "oos"]
        return sum(inside) / len(inside), sum(recall) / len(recall)

    thresholds = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    best = max(thresholds, key=lambda t: sum(scores("val", t)))
    no_threshold = scores("test", 0.0)
    chosen = scores("test", best)
    return (
        f"no threshold: in_scope_accuracy={no_threshold[0]:.4f} oos_recall={no_threshold[1]:.4f}; "
        f"threshold {best} (chosen on val): in_scope_accuracy={chosen[0]:.4f} "
        f"oos_recall={chosen[1]:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="ngrams", choices=["ngrams", "minilm"])
    parser.add_argument("--only", default=None, help="banking77, clinc150 or acid")
    args = parser.parse_args()
    encoder = ["--encoder", args.encoder]
    tmp = Path(tempfile.mkdtemp(prefix="atdesk-intents-"))
    if args.only in (None, "banking77"):
        out = evaluate(
            DATA / "banking77" / "train.csv", DATA / "banking77" / "test.csv",
            "text", "category", *encoder,
        )  # fmt: skip
        print(f"BANKING77 [{args.encoder}]: {out}")
    if args.only in (None, "clinc150"):
        data = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        in_train = write(tmp / "in_train.csv", [tuple(r) for r in data["train"]])
        in_test = write(tmp / "in_test.csv", [tuple(r) for r in data["test"]])
        out = evaluate(in_train, in_test, "text", "label", *encoder)
        print(f"CLINC150 in-scope only [{args.encoder}]: {out}")
        print(f"CLINC150 with oos [{args.encoder}]: {clinc_out_of_scope(data, args.encoder)}")
    if args.only in (None, "acid"):
        folder = DATA / "acid_insurance_intents"
        out = evaluate(
            folder / "customer_training.csv", folder / "customer_testing.csv",
            "UTTERANCES", "INTENT_NAME", *encoder,
        )  # fmt: skip
        print(f"ACID [{args.encoder}]: {out}")


if __name__ == "__main__":
    main()
