"""Bring-your-own intents on public benchmarks, through the real `atdesk intents eval` command.

    .venv/bin/python bench/bench_triage_intents.py [--encoder ngrams|minilm] [--only banking77]

- BANKING77: train.csv -> test.csv (77 intents).
- CLINC150: in-scope accuracy trained on the 150 in-scope intents; then trained with the
  out-of-scope examples as an `oos` label, and with a confidence threshold (chosen on the
  validation split) that answers `oos` below it: in-scope accuracy and out-of-scope recall.
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
        oos = [(t, "oos") for t, _ in data["oos_train"]]
        all_train = write(tmp / "all_train.csv", [tuple(r) for r in data["train"]] + oos)
        all_val = write(
            tmp / "all_val.csv",
            [tuple(r) for r in data["val"]] + [(t, "oos") for t, _ in data["oos_val"]],
        )
        all_test = write(
            tmp / "all_test.csv",
            [tuple(r) for r in data["test"]] + [(t, "oos") for t, _ in data["oos_test"]],
        )
        best = (0.0, 0.0)
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
            out = evaluate(
                all_train, all_val, "text", "label",
                "--oos-label", "oos", "--threshold", str(threshold), *encoder,
            )  # fmt: skip
            fields = dict(p.split("=") for p in out.splitlines()[0].split())
            balanced = (float(fields["in_scope_accuracy"]) + float(fields["oos_recall"])) / 2
            best = max(best, (balanced, threshold))
        out = evaluate(
            all_train, all_test, "text", "label",
            "--oos-label", "oos", "--threshold", str(best[1]), *encoder,
        )  # fmt: skip
        print(f"CLINC150 with oos, threshold {best[1]} (chosen on val) [{args.encoder}]: {out}")
    if args.only in (None, "acid"):
        folder = DATA / "acid_insurance_intents"
        out = evaluate(
            folder / "customer_training.csv", folder / "customer_testing.csv",
            "UTTERANCES", "INTENT_NAME", *encoder,
        )  # fmt: skip
        print(f"ACID [{args.encoder}]: {out}")


if __name__ == "__main__":
    main()
